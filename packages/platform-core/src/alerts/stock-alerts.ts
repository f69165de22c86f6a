import type { Database } from "../db/prisma-client.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { getAlertChannels, hasAlertChannels, type AlertChannels } from "./alert-channels.ts";
import { createPrismaAlertDeliveryLog } from "./alert-delivery-log.ts";
import { deliverAlert } from "./deliver-alert.ts";
import { variantDisplayName, variantTitles } from "../variants/variant-label.ts";

/** At most one low-stock alert per variant in this window. */
export const STOCK_ALERT_COOLDOWN_SECONDS = 24 * 3600;
/** A crossing claimed by a process that died is taken over after this long. */
const STALE_CLAIM_SECONDS = 600;

export interface DeliverStockAlertsOptions {
  database: Database;
  channels?: AlertChannels;
  /** Crossings handled per call (default 100). */
  limit?: number;
  now?: Date;
}

export interface StockAlertDrainResult {
  /** Crossings taken from the outbox by this call. */
  claimed: number;
  sent: number;
  /** Delivered on no channel, or not on every channel; the attempts are in `AlertDelivery`. */
  failed: number;
  /** Within 24 h of the variant's last alert. */
  suppressed: number;
  /** No channel configured: recorded, nothing sent, cooldown not used. */
  noChannels: number;
}

interface CrossingRow {
  id: string;
  shopId: string;
  sku: string;
  variantKey: string;
  available: number;
  threshold: number;
  crossedAt: Date;
  /** The variant's names now; null when it no longer exists. */
  item: {
    productId: string;
    productTitle: string;
    variantTitle: string;
    variantAttributes: Record<string, string>;
  } | null;
  /** Its stock now at every location that keeps it, in the shop's location order (priority, then code). */
  locations: Array<{ code: string; name: string; online: boolean; available: number }>;
}

/** One location's stock of the variant in an alert (the webhook's `locations[]`). */
export interface StockAlertLocation {
  code: string;
  name: string;
  /** Units free there when the alert is sent: quantity - reserved. */
  available: number;
  /** At or below the variant's threshold. */
  low: boolean;
  /** Active and fulfilling online orders: its units count towards the shop's online availability. */
  online: boolean;
}

/**
 * Delivers the low-stock crossings waiting in the outbox (`StockAlertCrossing`,
 * filled by a trigger in the crossing transaction). Safe to run from any
 * number of processes at once:
 * 1. crossings are claimed with `FOR UPDATE SKIP LOCKED`, so each is handled by one caller;
 * 2. each variant's 24 h cooldown is claimed with one conditional upsert on
 *    `StockAlertState` (the row lock serialises claimers; only the one whose
 *    crossing is 24 h past the last alert gets a row back), so two crossings of
 *    one variant, in two processes at once, send once;
 * 3. only then, outside any transaction, email and webhooks are sent and every
 *    attempt is recorded in `AlertDelivery`.
 * The cooldown is measured from the crossing's own time, so it does not
 * matter when (or by whom) the outbox is drained.
 */
export async function deliverPendingStockAlerts(options: DeliverStockAlertsOptions): Promise<StockAlertDrainResult> {
  const { database } = options;
  const now = options.now ?? new Date();
  const channels = options.channels ?? getAlertChannels();
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000);
  const result: StockAlertDrainResult = { claimed: 0, sent: 0, failed: 0, suppressed: 0, noChannels: 0 };
  let crossings: CrossingRow[];
  try {
    ({ rows: crossings } = await database.pool.query<CrossingRow>(
      `UPDATE "StockAlertCrossing" c SET status = 'processing', "claimedAt" = $1
       WHERE c.id IN (
         SELECT id FROM "StockAlertCrossing"
         WHERE status = 'pending' OR (status = 'processing' AND "claimedAt" < $1::timestamptz - make_interval(secs => $3))
         ORDER BY id LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING c.id::text AS id, c."shopId", c.sku, c."variantKey", c.available, c.threshold, c."crossedAt",
         (SELECT jsonb_build_object('productId', i."productId", 'productTitle', i."productTitle",
                   'variantTitle', i."variantTitle", 'variantAttributes', i."variantAttributes")
          FROM "InventoryItem" i WHERE i."shopId" = c."shopId" AND i.sku = c.sku AND i."variantKey" = c."variantKey") AS item,
         (SELECT coalesce(jsonb_agg(jsonb_build_object('code', l.code, 'name', l.name, 'online', l.active AND l."fulfilsOnline",
                   'available', v.quantity - v.reserved) ORDER BY l.priority, l.code COLLATE "C"), '[]')
          FROM "InventoryLevel" v JOIN "StockLocation" l ON l."shopId" = v."shopId" AND l.code = v.location
          WHERE v."shopId" = c."shopId" AND v.sku = c.sku AND v."variantKey" = c."variantKey") AS locations`,
      [now, limit, STALE_CLAIM_SECONDS],
    ));
  } catch (error) {
    throw toInventoryError(error);
  }
  result.claimed = crossings.length;
  crossings.sort((a, b) => Number(a.id) - Number(b.id));

  const log = createPrismaAlertDeliveryLog(database);
  const finish = (id: string, status: string) =>
    database.pool.query(`UPDATE "StockAlertCrossing" SET status = $2, "processedAt" = $3 WHERE id = $1::bigint`, [
      id,
      status,
      new Date(),
    ]);

  // Claims run one by one (in crossing order, so the earliest crossing of a variant wins); deliveries then run
  // concurrently.
  const deliveries: Array<Promise<void>> = [];
  for (const crossing of crossings) {
    if (!hasAlertChannels(channels)) {
      result.noChannels++;
      await finish(crossing.id, "no_channels");
      continue;
    }
    const { rowCount } = await database.pool.query(
      `INSERT INTO "StockAlertState" ("shopId", sku, "variantKey", "lastAlertedAt", "lastAvailable", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT ("shopId", sku, "variantKey") DO UPDATE
         SET "lastAlertedAt" = excluded."lastAlertedAt", "lastAvailable" = excluded."lastAvailable", "updatedAt" = now()
         WHERE "StockAlertState"."lastAlertedAt" <= excluded."lastAlertedAt" - make_interval(secs => $6)
       RETURNING 1`,
      [
        crossing.shopId,
        crossing.sku,
        crossing.variantKey,
        crossing.crossedAt,
        crossing.available,
        STOCK_ALERT_COOLDOWN_SECONDS,
      ],
    );
    if (rowCount !== 1) {
      result.suppressed++;
      await finish(crossing.id, "suppressed");
      continue;
    }
    deliveries.push(
      (async () => {
        const report = await deliverAlert(stockAlertMessage(crossing), { channels, log });
        const ok = report.failed.length === 0;
        if (ok) result.sent++;
        else result.failed++;
        await finish(crossing.id, ok ? "sent" : "failed");
      })(),
    );
  }
  await Promise.all(deliveries);
  return result;
}

function stockAlertMessage(crossing: CrossingRow) {
  // Named as operators know it, with the SKU beside it.
  const variant = crossing.item
    ? `${variantDisplayName(crossing.item)} (${crossing.sku})`
    : crossing.variantKey
      ? `${crossing.sku} (${crossing.variantKey})`
      : crossing.sku;
  const crossedAt = new Date(crossing.crossedAt);
  // Read when the alert is sent, not when the threshold was crossed: where to restock now.
  const locations: StockAlertLocation[] = crossing.locations.map((location) => ({
    ...location,
    low: location.available <= crossing.threshold,
  }));
  const lowAt = locations.filter((location) => location.low).map((location) => location.name);
  // A shop that keeps the variant in one place needs no "where" in the subject; the text still says it.
  const where = locations.length > 1 && lowAt.length > 0 ? ` (low at ${lowAt.join(", ")})` : "";
  return {
    source: "stock" as const,
    sourceId: crossing.id,
    subject: `Low stock: ${variant} has ${crossing.available} left in ${crossing.shopId}${where}`,
    text: [
      `${variant} in shop ${crossing.shopId} is down to ${crossing.available} available (threshold ${crossing.threshold}).`,
      ...(locations.length === 0
        ? []
        : [
            "Available by location now:",
            ...locations.map(
              (location) =>
                `- ${location.name} (${location.code}): ${location.available}` +
                (location.low ? `, at or below ${crossing.threshold}` : "") +
                (location.online ? "" : " (does not sell online)"),
            ),
          ]),
      `Crossed at ${crossedAt.toISOString()}. You will not be alerted about this variant again for 24 hours.`,
    ].join("\n"),
    payload: {
      type: "stock.low",
      id: `stock_alert_${crossing.id}`,
      shopId: crossing.shopId,
      sku: crossing.sku,
      variantKey: crossing.variantKey,
      ...(crossing.item
        ? {
            productId: crossing.item.productId,
            productTitle: variantTitles(crossing.item).product,
            variantTitle: variantTitles(crossing.item).variant,
          }
        : {}),
      available: crossing.available,
      threshold: crossing.threshold,
      locations,
      crossedAt: crossedAt.toISOString(),
    },
  };
}

// --- Post-commit hook --------------------------------------------------------

interface Drainer {
  running: Promise<void> | undefined;
  again: boolean;
}

const drainers = new WeakMap<Database, Drainer>();
const inFlight = new Set<Promise<void>>();

/**
 * Called by the stores after a write has committed. `crossed` says whether
 * the write crossed a threshold (the hot paths read it from the statement
 * they ran anyway); when it did, the outbox is drained in the background:
 * never awaited by the write's caller, at most one drain per database per
 * process at a time (writes meanwhile ask for one more run, not one each),
 * and errors are caught and logged. Pending crossings are also drained by
 * the ops cron (`handleOpsAlertCron`), so a process that stops early loses nothing.
 */
export function afterStockWrite(database: Database, crossed: boolean): void {
  if (!crossed || !hasAlertChannels(getAlertChannels())) return;
  let drainer = drainers.get(database);
  if (!drainer) {
    drainer = { running: undefined, again: false };
    drainers.set(database, drainer);
  }
  if (drainer.running) {
    drainer.again = true;
    return;
  }
  const state = drainer;
  const run = (async () => {
    do {
      state.again = false;
      try {
        // Drains until the outbox is empty (a flash sale can cross many variants at once).
        while ((await deliverPendingStockAlerts({ database })).claimed > 0);
      } catch (error) {
        console.error(
          JSON.stringify({
            level: "error",
            event: "stock_alert_drain_failed",
            message: error instanceof Error ? error.message : String(error),
          }),
        );
      }
    } while (state.again);
  })().finally(() => {
    state.running = undefined;
    inFlight.delete(run);
  });
  state.running = run;
  inFlight.add(run);
}

/** Waits for background stock-alert deliveries of this process (tests; serverless `after()` hooks). */
export async function flushStockAlerts(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

/**
 * Appended to the select list of a hot-path statement (`SELECT result,
 * <this> FROM f(...) AS result`): whether the statement crossed a low-stock
 * threshold, read from the transaction-local flag the crossing trigger sets.
 * The function in FROM runs to completion before the select list is
 * evaluated, so the flag is final; it costs no extra round trip.
 */
export const STOCK_CROSSED_SQL = Prisma.raw(
  `coalesce(current_setting('acme.stock_crossed', true), '') = '1' AS crossed`,
);
