import type { Database } from "../db/prisma-client.ts";
import { afterStockWrite, STOCK_CROSSED_SQL } from "../alerts/stock-alerts.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { postgresErrorCode } from "../errors/postgres-error-code.ts";
import { createGroupCommit } from "./group-commit.ts";
import {
  createHoldResultSchema,
  paidSaleResultSchema,
  parseHoldResult,
  settleResultSchema,
  toCreateOutcome,
  type CreateHoldResult,
  type SettleResult,
} from "./hold-results.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { Prisma } from "../generated/prisma/client.ts";
import {
  refId,
  type CreateHoldCommand,
  type HandledEvent,
  type CreateHoldOutcome,
  type HoldPolicy,
  type HoldStatus,
  type HoldStore,
  type InventoryHoldView,
  type OversoldSaleView,
  type PaidHoldOutcome,
  type ReconcileReport,
} from "./types.ts";

/** A request not decided this long after it was written is dropped undecided (its caller is told to retry). */
const REQUEST_DEADLINE_SECONDS = 10;
/** Batches of a shop sent straight to the queue after a try found another caller deciding. */
const QUEUE_ONLY_BATCHES = 4;
/** Most other instances' pending requests one deciding transaction takes (the caller's own always go in). */
const MAX_DECIDED_PER_TRANSACTION = 1024;

const PAID_OUTCOMES = ["committed", "already_committed", "recommitted", "oversold", "duplicate"] as const;

/** The settle answer of a paid hold, as `commitPaidHold` reports it. */
function paidOutcome(outcome: SettleResult["outcome"]): PaidHoldOutcome | "duplicate" {
  const known = PAID_OUTCOMES.find((candidate) => candidate === outcome);
  if (!known) throw new InventoryError("internal", `A paid hold was settled with the unexpected outcome ${outcome}.`);
  return known;
}

// SQLSTATEs worth one more try: deadlock and serialization failures are
// resolved by PostgreSQL aborting one side; the caller should never see them.
const RETRYABLE = new Set(["40P01", "40001"]);

interface HoldRow {
  id: string;
  shopId: string;
  status: string;
  expiresAt: Date;
  createdAt: Date;
  committedAt: Date | null;
  releasedAt: Date | null;
  expiredAt: Date | null;
  idempotencyKey: string | null;
  checkoutSessionId: string | null;
  clientAddress: string | null;
  clientBuyer: string | null;
  openExpiresAt: Date | null;
  openedAt: Date | null;
  items: Array<{
    sku: string;
    variantKey: string;
    productId: string;
    variantAttributes: unknown;
    quantity: number;
    locations: Array<{ location: string; quantity: number }>;
  }> | null;
}

function effectiveStatus(status: string, expiresAt: Date, now: Date): HoldStatus {
  if (status === "active" && expiresAt.getTime() <= now.getTime()) return "expired";
  return status as HoldStatus;
}

function toView(row: HoldRow, now: Date): InventoryHoldView {
  const expiresAt = new Date(row.expiresAt);
  return {
    holdId: row.id,
    shopId: row.shopId,
    status: effectiveStatus(row.status, expiresAt, now),
    expiresAt,
    createdAt: new Date(row.createdAt),
    committedAt: row.committedAt ? new Date(row.committedAt) : null,
    releasedAt: row.releasedAt ? new Date(row.releasedAt) : null,
    expiredAt: row.expiredAt ? new Date(row.expiredAt) : null,
    idempotencyKey: row.idempotencyKey,
    checkoutSessionId: row.checkoutSessionId,
    clientAddress: row.clientAddress,
    clientBuyer: row.clientBuyer,
    openExpiresAt: row.openExpiresAt ? new Date(row.openExpiresAt) : null,
    openedAt: row.openedAt ? new Date(row.openedAt) : null,
    items: (row.items ?? []).map((item) => ({
      sku: item.sku,
      variantKey: item.variantKey,
      productId: item.productId,
      variantAttributes: (item.variantAttributes ?? {}) as Record<string, string>,
      quantity: item.quantity,
      locations: item.locations,
    })),
  };
}

const HOLD_SELECT = Prisma.sql`
  SELECT h.id, h."shopId", h.status, h."expiresAt", h."createdAt", h."committedAt", h."releasedAt", h."expiredAt", h."idempotencyKey", h."checkoutSessionId",
    h."clientAddress", h."clientBuyer", h."openExpiresAt", h."openedAt",
    (SELECT jsonb_agg(jsonb_build_object('sku', g.sku, 'variantKey', g."variantKey", 'productId', g."productId",
        'variantAttributes', g.attrs, 'quantity', g.qty, 'locations', g.locations) ORDER BY g.sku COLLATE "C", g."variantKey" COLLATE "C")
     FROM (
       SELECT hi.sku, hi."variantKey", min(hi."productId") AS "productId", (array_agg(hi."variantAttributes"))[1] AS attrs,
              sum(hi.quantity)::int AS qty,
              jsonb_agg(jsonb_build_object('location', hi.location, 'quantity', hi.quantity) ORDER BY hi.location COLLATE "C") AS locations
       FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id GROUP BY hi.sku, hi."variantKey"
     ) g) AS items
  FROM "InventoryHold" h`;

/** Holds on PostgreSQL: every transition is one call to a SQL function (prisma/functions). */
export interface PrismaHoldStoreOptions {
  /**
   * Group concurrent hold requests of one shop into one transaction (default
   * on, up to 256 per batch). `false`: one transaction per request.
   */
  batching?: false | { maxBatch?: number };
}

export interface PrismaHoldStore extends HoldStore {
  /** How many transactions served how many hold requests (batching on). */
  batchStats(): { transactions: number; requests: number; largestBatch: number };
}

export function createPrismaHoldStore(database: Database, options: PrismaHoldStoreOptions = {}): PrismaHoldStore {
  const { prisma } = database;

  async function call<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const state = postgresErrorCode(error);
        if (state && RETRYABLE.has(state) && attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
          continue;
        }
        throw toInventoryError(error);
      }
    }
  }

  async function getHold(shopId: string, holdId: string, now: Date): Promise<InventoryHoldView | null> {
    const rows = await prisma.$queryRaw<HoldRow[]>`${HOLD_SELECT} WHERE h.id = ${holdId} AND h."shopId" = ${shopId}`;
    return rows[0] ? toView(rows[0], now) : null;
  }

  /** The wire form of a hold request, as the batch function and the queue read it. */
  function requestPayload(command: CreateHoldCommand) {
    return {
      holdId: command.holdId,
      ...(command.idempotencyKey === undefined
        ? {}
        : { idempotencyKey: command.idempotencyKey, fingerprint: command.fingerprint ?? null }),
      expiresAt: command.expiresAt.toISOString(),
      ...(command.client?.address === undefined ? {} : { clientAddress: command.client.address }),
      ...(command.client?.buyer === undefined ? {} : { clientBuyer: command.client.buyer }),
      ...(command.lapseUnopened ? { lapseUnopened: true } : {}),
      lines: command.lines.map((line) => ({
        sku: line.sku,
        variantKey: line.variantKey,
        quantity: line.quantity,
        ...(line.productId === undefined ? {} : { productId: line.productId }),
        ...(line.variantAttributes === undefined ? {} : { variantAttributes: line.variantAttributes }),
      })),
    };
  }

  /** One request decided in its own transaction: a batch of one, outside the queue. */
  function createSingle(command: CreateHoldCommand) {
    return call(async () => {
      const { rows } = await database.pool.query<{ results: unknown[]; crossed: boolean }>(
        `SELECT results, ${STOCK_CROSSED_SQL.text} FROM inventory_create_holds_batch($1, $2::jsonb, $3::timestamptz) AS results`,
        [command.shopId, JSON.stringify([requestPayload(command)]), command.now],
      );
      afterStockWrite(database, rows[0]!.crossed);
      return parseHoldResult(createHoldResultSchema, rows[0]!.results[0], "a hold request");
    });
  }

  /**
   * A request's answer; with `firstResult`, the queue's. Too little stock
   * while lapsed holds another transaction had locked sit on these variants:
   * asked once more on its own (they are expired eagerly by then).
   */
  async function createOne(command: CreateHoldCommand, firstResult?: CreateHoldResult): Promise<CreateHoldOutcome> {
    let result = firstResult ?? (await createSingle(command));
    if (result.outcome === "insufficient" && result.hasExpiredHolds === true) result = await createSingle(command);
    if (result.outcome === "undecided")
      throw new InventoryError(
        "unavailable",
        "The hold request was not decided in time; nothing was held. Please try again.",
      );
    return toCreateOutcome(result);
  }

  /** Per shop: how many more batches go straight to the queue. */
  const queueOnly = new Map<string, number>();

  async function createMany(shopId: string, commands: CreateHoldCommand[], now: Date): Promise<CreateHoldResult[]> {
    const requests = commands.map(requestPayload);
    // Straight to the shared pg pool: this is the hot path, and Prisma's
    // per-query work showed in the profile. When nobody is deciding for the
    // shop, the requests are decided at once, in one statement, never queued.
    // After finding someone deciding, the next few batches of the shop go
    // straight to the queue: under contention the try is a wasted round trip.
    const skip = queueOnly.get(shopId) ?? 0;
    if (skip > 0) queueOnly.set(shopId, skip - 1);
    const direct =
      skip > 0
        ? null
        : await call(async () => {
            const { rows } = await database.pool.query<{ results: unknown[] | null; crossed: boolean }>(
              `SELECT results, ${STOCK_CROSSED_SQL.text} FROM inventory_try_decide_holds($1, $2::jsonb, $3::timestamptz, $4) AS results`,
              [shopId, JSON.stringify(requests), now, MAX_DECIDED_PER_TRANSACTION],
            );
            afterStockWrite(database, rows[0]!.crossed);
            return rows[0]!.results;
          });
    if (direct) return direct.map((answer) => parseHoldResult(createHoldResultSchema, answer, "a hold request"));
    if (skip === 0) queueOnly.set(shopId, QUEUE_ONLY_BATCHES);
    const ids = requests.map((request) => request.holdId);
    // Otherwise they are written to the queue (committed, so that whichever
    // instance decides next sees them), then decided, together with every
    // other pending request of the shop, by this caller or by the caller
    // already deciding them (prisma/functions/inventory_decide_hold_requests.sql).
    await call(() =>
      database.pool.query(
        `INSERT INTO "HoldRequest" (id, "shopId", request, deadline)
         SELECT r->>'holdId', $1, r, clock_timestamp() + make_interval(secs => $3) FROM jsonb_array_elements($2::jsonb) r`,
        [shopId, JSON.stringify(requests), REQUEST_DEADLINE_SECONDS],
      ),
    );
    try {
      const answers = await call(async () => {
        const { rows } = await database.pool.query<{ results: unknown[]; crossed: boolean }>(
          `SELECT results, ${STOCK_CROSSED_SQL.text} FROM inventory_decide_hold_requests($1, $2::text[], $3::timestamptz, $4) AS results`,
          [shopId, ids, now, MAX_DECIDED_PER_TRANSACTION],
        );
        afterStockWrite(database, rows[0]!.crossed);
        return rows[0]!.results;
      });
      // A request dropped at its deadline is answered as such; its caller alone is told to retry.
      return answers.map((answer) =>
        parseHoldResult(createHoldResultSchema, answer ?? { outcome: "undecided" }, "a hold request"),
      );
    } catch (error) {
      // Undecided requests of a failed call must not be decided later for a caller that was told it failed.
      await database.pool
        .query(`DELETE FROM "HoldRequest" WHERE id = ANY($1::text[]) AND result IS NULL`, [ids])
        .catch(() => {});
      throw error;
    }
  }

  const batcher =
    options.batching === false
      ? undefined
      : createGroupCommit<CreateHoldCommand, CreateHoldOutcome, CreateHoldResult>({
          maxBatch: options.batching?.maxBatch ?? 256,
          // A request alone still goes through the shared queue, so requests of other instances batch with it.
          single: async (command) => createOne(command, (await createMany(command.shopId, [command], command.now))[0]),
          many: createMany,
          finish: (command, result) => createOne(command, result),
        });

  interface SettleOp {
    shopId: string;
    now: Date;
    kind: "commit" | "commit_paid" | "release" | "await_payment";
    holdId: string;
    actor?: string;
    sessionId?: string;
    until?: string;
    forgetKey?: boolean;
    event?: HandledEvent;
  }

  function settleMany(shopId: string, ops: SettleOp[], now: Date) {
    const payload = ops.map((op) => ({
      kind: op.kind,
      holdId: op.holdId,
      ...(op.actor === undefined ? {} : { actor: op.actor }),
      ...(op.sessionId === undefined ? {} : { sessionId: op.sessionId }),
      ...(op.until === undefined ? {} : { until: op.until }),
      ...(op.forgetKey ? { forgetKey: true } : {}),
      ...(op.event === undefined ? {} : { eventId: op.event.id, eventType: op.event.type }),
    }));
    return call(async () => {
      const { rows } = await database.pool.query<{ results: unknown[]; crossed: boolean }>(
        `SELECT results, ${STOCK_CROSSED_SQL.text} FROM inventory_settle_batch($1, $2::jsonb, $3::timestamptz) AS results`,
        [shopId, JSON.stringify(payload), now],
      );
      afterStockWrite(database, rows[0]!.crossed);
      return rows[0]!.results.map((result) => parseHoldResult(settleResultSchema, result, "a settlement"));
    });
  }

  // Settlements always go through the batch function (one op is a batch of
  // one), so a webhook's event id is recorded in the transaction that acts on it.
  const settler = createGroupCommit<SettleOp, SettleResult, SettleResult>({
    maxBatch: options.batching === false ? 1 : (options.batching?.maxBatch ?? 256),
    single: async (op) => (await settleMany(op.shopId, [op], op.now))[0]!,
    many: settleMany,
    finish: (_op, result) => Promise.resolve(result),
  });

  async function settle(op: SettleOp): Promise<SettleResult> {
    const result = await settler.submit(op);
    if (result.outcome === "not_found")
      throw new InventoryError("not_found", `No hold ${op.holdId} in shop ${op.shopId}.`);
    return result;
  }

  return {
    backend: "prisma",

    createHold: (command) => (batcher ? batcher.submit(command) : createOne(command)),

    batchStats: () => batcher?.stats() ?? { transactions: 0, requests: 0, largestBatch: 0 },

    async commitHold({ shopId, holdId, actor, now }) {
      const result = await settle({ shopId, now, kind: "commit", holdId, actor });
      if (result.outcome === "not_active") {
        throw new InventoryError(
          "conflict",
          `Hold ${holdId} is ${result.status}; its stock was given back and cannot be sold from it.`,
          {
            details: { holdId, status: result.status },
          },
        );
      }
      return { holdId, status: result.status ?? "active", changed: result.outcome === "committed" };
    },

    async releaseHold({ shopId, holdId, now, event, forgetIdempotencyKey }) {
      const result = await settle({
        shopId,
        now,
        kind: "release",
        holdId,
        ...(event ? { event } : {}),
        ...(forgetIdempotencyKey ? { forgetKey: true } : {}),
      });
      if (result.outcome === "duplicate") return { holdId, status: "active", changed: false, duplicate: true };
      return { holdId, status: result.status ?? "active", changed: result.outcome === "released" };
    },

    async extendHold({ shopId, holdId, expiresAt, now }) {
      const rows = await call(
        () => prisma.$queryRaw<Array<{ id: string }>>`
          UPDATE "InventoryHold" SET "expiresAt" = greatest("expiresAt", ${expiresAt}::timestamptz), "updatedAt" = ${now}::timestamptz
          WHERE id = ${holdId} AND "shopId" = ${shopId} AND status = 'active' AND "expiresAt" > ${now}::timestamptz
          RETURNING id`,
      );
      const hold = await call(() => getHold(shopId, holdId, now));
      if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
      if (rows.length === 0) {
        throw new InventoryError("conflict", `Hold ${holdId} is ${hold.status} and cannot be extended.`, {
          details: { holdId, status: hold.status },
        });
      }
      return hold;
    },

    getHold: ({ shopId, holdId, now }) => call(() => getHold(shopId, holdId, now)),

    openHold: ({ shopId, holdId, now }) =>
      call(async () => {
        // Row-locked like every hold change: a reaper that locked the hold first
        // expires it (this then matches nothing); one that comes after sees the
        // new expiry and leaves it.
        await prisma.$executeRaw`
          UPDATE "InventoryHold" SET "expiresAt" = greatest("expiresAt", "openExpiresAt"), "openedAt" = ${now}::timestamptz, "updatedAt" = ${now}::timestamptz
          WHERE id = ${holdId} AND "shopId" = ${shopId} AND status = 'active' AND "expiresAt" > ${now}::timestamptz
            AND "openExpiresAt" IS NOT NULL AND "openedAt" IS NULL`;
        return getHold(shopId, holdId, now);
      }),

    listVariantHolders: ({ shopId, sku, variantKey, limit, now }) =>
      call(async () => {
        const rows = await prisma.$queryRaw<
          Array<{ client: "address" | "buyer"; key: string; holds: number; units: number; since: Date }>
        >`
          WITH held AS (
            SELECT h.id, h."clientAddress", h."clientBuyer", h."createdAt", hi.quantity
            FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
            WHERE hi."shopId" = ${shopId} AND hi.sku = ${sku} AND hi."variantKey" = ${variantKey}
              AND h.status = 'active' AND h."expiresAt" > ${now}::timestamptz
          ), by_client AS (
            SELECT 'address' AS client, "clientAddress" AS key, id, "createdAt", quantity FROM held WHERE "clientAddress" IS NOT NULL
            UNION ALL
            SELECT 'buyer', "clientBuyer", id, "createdAt", quantity FROM held WHERE "clientBuyer" IS NOT NULL
          )
          SELECT client, key, count(DISTINCT id)::int AS holds, sum(quantity)::int AS units, min("createdAt") AS since
          FROM by_client GROUP BY client, key
          ORDER BY units DESC, since, client, key
          LIMIT ${Math.min(Math.max(Math.trunc(limit), 1), 1000)}`;
        return rows.map((row) => ({ ...row, since: new Date(row.since) }));
      }),

    listClientHoldIds: ({ shopId, client, key, now }) =>
      call(async () => {
        const rows =
          client === "address"
            ? await prisma.$queryRaw<Array<{ id: string }>>`
                SELECT id FROM "InventoryHold" WHERE "shopId" = ${shopId} AND "clientAddress" = ${key}
                  AND status = 'active' AND "expiresAt" > ${now}::timestamptz ORDER BY id`
            : await prisma.$queryRaw<Array<{ id: string }>>`
                SELECT id FROM "InventoryHold" WHERE "shopId" = ${shopId} AND "clientBuyer" = ${key}
                  AND status = 'active' AND "expiresAt" > ${now}::timestamptz ORDER BY id`;
        return rows.map((row) => row.id);
      }),

    releaseClientHolds: ({ shopId, client, key, actor, now }) =>
      call(async () => {
        const column = client === "address" ? Prisma.sql`"clientAddress"` : Prisma.sql`"clientBuyer"`;
        return prisma.$transaction(async (tx) => {
          const candidates = await tx.$queryRaw<Array<{ id: string }>>`
            SELECT id FROM "InventoryHold" WHERE "shopId" = ${shopId} AND ${column} = ${key} AND status = 'active' ORDER BY id`;
          if (candidates.length === 0) return { holdIds: [], units: 0 };
          // The lock order's owner locks the holds and their stock rows; only
          // those still active once locked are released and written down.
          const rows = await tx.$queryRaw<Array<{ id: string; units: number }>>`
            WITH locked AS (
              SELECT unnest(inventory_lock(${shopId}, NULL, ${candidates.map((row) => row.id)}::text[], '{}'::text[], '{}'::text[], false)) AS id
            )
            SELECT h.id, (SELECT coalesce(sum(quantity), 0)::int FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id) AS units
            FROM "InventoryHold" h JOIN locked USING (id) WHERE h.status = 'active' ORDER BY h.id`;
          const ids = rows.map((row) => row.id);
          if (ids.length === 0) return { holdIds: [], units: 0 };
          const units = rows.reduce((sum, row) => sum + row.units, 0);
          await tx.$queryRaw`SELECT inventory_settle_holds(${shopId}, ${ids}::text[], 'released', ${now}::timestamptz)`;
          await tx.$executeRaw`
            INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, "holdId", actor, note, "createdAt")
            SELECT ${shopId}, hi.sku, hi."variantKey", hi.location, 0, lv.quantity, 'hold_release', hi."holdId", ${actor},
                   'released ' || hi.quantity || ' held of one ' || ${client}::text || ' (top holders in the CMS)', ${now}::timestamptz
            FROM "InventoryHoldItem" hi JOIN "InventoryLevel" lv ON lv."shopId" = hi."shopId" AND lv.sku = hi.sku
              AND lv."variantKey" = hi."variantKey" AND lv.location = hi.location
            WHERE hi."holdId" = ANY (${ids}::text[])
            ORDER BY hi."holdId", hi.sku COLLATE "C", hi."variantKey" COLLATE "C", hi.location COLLATE "C"`;
          return { holdIds: ids, units };
        });
      }),

    getHoldPolicy: ({ shopId }) =>
      call(async () => {
        const rows = await prisma.$queryRaw<HoldPolicy[]>`SELECT * FROM inventory_hold_policy(${shopId})`;
        return rows[0]!;
      }),

    setHoldPolicy: ({ shopId, policy, actor, now }) =>
      call(async () => {
        await prisma.$executeRaw`
          INSERT INTO "ShopHoldPolicy" ("shopId", "maxActiveHoldsPerClient", "maxHeldUnitsPerClient", "unopenedHoldSeconds", "updatedBy", "updatedAt")
          VALUES (${shopId}, ${policy.maxActiveHoldsPerClient}, ${policy.maxHeldUnitsPerClient}, ${policy.unopenedHoldSeconds}, ${actor}, ${now}::timestamptz)
          ON CONFLICT ("shopId") DO UPDATE SET "maxActiveHoldsPerClient" = EXCLUDED."maxActiveHoldsPerClient",
            "maxHeldUnitsPerClient" = EXCLUDED."maxHeldUnitsPerClient", "unopenedHoldSeconds" = EXCLUDED."unopenedHoldSeconds",
            "updatedBy" = EXCLUDED."updatedBy", "updatedAt" = EXCLUDED."updatedAt"`;
        return { ...policy, isDefault: false };
      }),

    attachCheckoutSession: ({ shopId, holdId, checkoutSessionId }) =>
      call(async () => {
        const changed = await prisma.$executeRaw`
          UPDATE "InventoryHold" SET "checkoutSessionId" = ${checkoutSessionId}
          WHERE id = ${holdId} AND "shopId" = ${shopId} AND "checkoutSessionId" IS NULL`;
        return changed > 0;
      }),

    listHolds: ({ shopId, status, limit = 100, now }) =>
      call(async () => {
        const take = Math.min(Math.max(Math.trunc(limit), 1), 1000);
        const filter =
          status === undefined
            ? Prisma.empty
            : status === "active"
              ? Prisma.sql`AND h.status = 'active' AND h."expiresAt" > ${now}::timestamptz`
              : status === "expired"
                ? Prisma.sql`AND (h.status = 'expired' OR (h.status = 'active' AND h."expiresAt" <= ${now}::timestamptz))`
                : Prisma.sql`AND h.status = ${status}`;
        const rows = await prisma.$queryRaw<HoldRow[]>`
          ${HOLD_SELECT} WHERE h."shopId" = ${shopId} ${filter} ORDER BY h."createdAt" DESC, h.id LIMIT ${take}`;
        return rows.map((row) => toView(row, now));
      }),

    releaseExpiredHolds: ({ shopId, limit, now }) =>
      call(async () => {
        const rows = await prisma.$queryRaw<Array<{ released: number }>>`
          SELECT inventory_release_expired_holds(${shopId}, ${limit}::int, ${now}::timestamptz) AS released`;
        return Number(rows[0]?.released ?? 0);
      }),

    expiredHeldQuantities: ({ shopId, refs, now }) =>
      call(async () => {
        const result = new Map<string, number>();
        if (refs.length === 0) return result;
        const rows = await prisma.$queryRaw<Array<{ sku: string; variantKey: string; total: number }>>`
          SELECT hi.sku, hi."variantKey", sum(hi.quantity)::int AS total
          FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
          WHERE hi."shopId" = ${shopId} AND h.status = 'active' AND h."expiresAt" <= ${now}::timestamptz
            AND (hi.sku, hi."variantKey") IN (SELECT * FROM unnest(${refs.map((r) => r.sku)}::text[], ${refs.map((r) => r.variantKey)}::text[]))
          GROUP BY 1, 2`;
        for (const row of rows) result.set(refId(row), row.total);
        return result;
      }),

    listHoldShops: () =>
      call(async () => {
        const rows = await prisma.$queryRaw<Array<{ shopId: string }>>`
          SELECT DISTINCT "shopId" FROM "InventoryHold" WHERE status = 'active' ORDER BY "shopId"`;
        return rows.map((row) => row.shopId);
      }),

    async commitPaidHold({ shopId, holdId, actor, checkoutSessionId, now, event }) {
      const result = await settle({
        shopId,
        now,
        kind: "commit_paid",
        holdId,
        actor,
        ...(checkoutSessionId === undefined ? {} : { sessionId: checkoutSessionId }),
        ...(event ? { event } : {}),
      });
      return {
        holdId,
        outcome: paidOutcome(result.outcome),
        ...(result.insufficient ? { insufficient: result.insufficient } : {}),
      };
    },

    async recordPaidSale({ shopId, saleId, checkoutSessionId, lines, actor, now }) {
      const result = await call(async () => {
        const rows = await prisma.$queryRaw<Array<{ result: unknown; crossed: boolean }>>`
          SELECT result, ${STOCK_CROSSED_SQL} FROM inventory_record_paid_sale(${shopId}, ${saleId}, ${checkoutSessionId},
            ${lines.map((l) => l.sku)}::text[], ${lines.map((l) => l.variantKey)}::text[], ${lines.map((l) => l.quantity)}::int[],
            ${actor}, ${now}::timestamptz) AS result`;
        afterStockWrite(database, rows[0]!.crossed);
        return parseHoldResult(paidSaleResultSchema, rows[0]!.result, "a paid sale");
      });
      return { outcome: result.outcome, ...(result.insufficient ? { insufficient: result.insufficient } : {}) };
    },

    async awaitPayment({ shopId, holdId, until, now, event }) {
      const result = await settle({
        shopId,
        now,
        kind: "await_payment",
        holdId,
        until: until.toISOString(),
        ...(event ? { event } : {}),
      });
      if (result.outcome === "duplicate") return { holdId, status: "active", changed: false, duplicate: true };
      return { holdId, status: result.status ?? "active", changed: result.outcome === "awaiting_payment" };
    },

    listOversoldSales: ({ shopId, limit = 100 }) =>
      call(async () => {
        const rows = await prisma.oversoldSale.findMany({
          where: { shopId },
          orderBy: { createdAt: "desc" },
          take: Math.min(Math.max(Math.trunc(limit), 1), 1000),
        });
        return rows.map((row) => ({
          id: row.id,
          shopId: row.shopId,
          holdId: row.holdId,
          checkoutSessionId: row.checkoutSessionId,
          items: row.items as unknown as OversoldSaleView["items"],
          createdAt: row.createdAt,
          resolvedAt: row.resolvedAt,
        }));
      }),

    reconcile: ({ shopId, repair }) =>
      call(async (): Promise<ReconcileReport> => {
        const shopFilter = shopId === undefined ? Prisma.empty : Prisma.sql`AND i."shopId" = ${shopId}`;
        type Row = { shopId: string; sku: string; variantKey: string; reserved: number; expected: number };
        const compare = Prisma.sql`
          SELECT i."shopId", i.sku, i."variantKey", i.reserved, coalesce(t.expected, 0)::int AS expected
          FROM "InventoryItem" i
          LEFT JOIN (
            SELECT hi."shopId", hi.sku, hi."variantKey", sum(hi.quantity) AS expected
            FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
            WHERE h.status = 'active' GROUP BY 1, 2, 3
          ) t ON t."shopId" = i."shopId" AND t.sku = i.sku AND t."variantKey" = i."variantKey"
          WHERE true ${shopFilter}
          ORDER BY i."shopId" COLLATE "C", i.sku COLLATE "C", i."variantKey" COLLATE "C"`;
        const toDrift = (rows: Row[]) =>
          rows
            .filter((row) => row.reserved !== row.expected)
            .map(({ shopId: shop, sku, variantKey, reserved, expected }) => ({
              shopId: shop,
              sku,
              variantKey,
              reserved,
              expected,
            }));
        // One statement sees one snapshot, so a hold in flight never shows as drift.
        const rows = await prisma.$queryRaw<Row[]>(compare);
        const drift = toDrift(rows);
        if (!repair || drift.length === 0) return { checked: rows.length, drift, repaired: false };
        const repaired = await prisma.$transaction(
          async (tx) => {
            // Lock every stock row of the shops concerned (inventory_lock, shop by shop in id order); with them
            // held no hold can move, so the recount is exact.
            await tx.$queryRaw`
              SELECT inventory_lock(s."shopId", NULL, '{}', NULL, NULL, false)
              FROM (SELECT i."shopId" FROM "InventoryItem" i WHERE true ${shopFilter} GROUP BY 1 ORDER BY i."shopId" COLLATE "C") s`;
            const locked = toDrift(await tx.$queryRaw<Row[]>(compare));
            // The repair writes levels itself (not the trigger for code from before locations).
            await tx.$queryRaw`SELECT set_config('acme.locations', 'on', true)`;
            for (const row of locked) {
              // Each location's reserved from the active hold lines there, then the shop's total from them.
              await tx.$executeRaw`
                UPDATE "InventoryLevel" lv SET reserved = coalesce((
                    SELECT sum(hi.quantity)::int FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
                    WHERE h.status = 'active' AND hi."shopId" = lv."shopId" AND hi.sku = lv.sku AND hi."variantKey" = lv."variantKey"
                      AND hi.location = lv.location), 0), "updatedAt" = now()
                WHERE lv."shopId" = ${row.shopId} AND lv.sku = ${row.sku} AND lv."variantKey" = ${row.variantKey}`;
              await tx.$executeRaw`
                UPDATE "InventoryItem" SET reserved = ${row.expected}, "updatedAt" = now()
                WHERE "shopId" = ${row.shopId} AND sku = ${row.sku} AND "variantKey" = ${row.variantKey}`;
            }
            return locked;
          },
          { timeout: 120_000, maxWait: 10_000 },
        );
        return { checked: rows.length, drift: repaired, repaired: true };
      }),
  };
}
