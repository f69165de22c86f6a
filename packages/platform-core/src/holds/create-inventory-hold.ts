import { createHash } from "node:crypto";
import { timeOrderedUuid } from "../ids/time-ordered-uuid.ts";
import { getEnv } from "../env.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { idempotencyKeySchema, toHoldLines, ttlSecondsSchema, type HoldRequest } from "./hold-inputs.ts";
import type { HoldClient, HoldStore } from "./types.ts";
import { holdClientSchema } from "./hold-client.ts";
import { noteClientHoldRequest, noteHoldRefused } from "../metrics/instrument.ts";
import { getMetrics, timed } from "../metrics/metrics-registry.ts";

export interface CreateInventoryHoldOptions {
  shopId: string;
  /** One entry per variant wanted (duplicates are summed), e.g. from `cartToInventoryRequests`. */
  requests: HoldRequest[];
  /** Default `INVENTORY_HOLD_TTL_SECONDS` (1200); 60..3600. */
  ttlSeconds?: number;
  /** The same key always answers with the same hold, however often it is sent. */
  idempotencyKey?: string;
  /**
   * Who asks (keyed hashes, see `identifyHoldClient`): the shop's caps on
   * active holds and held units per client apply, and purchase limits count
   * what this client already holds or bought.
   */
  client?: HoldClient;
  /** A checkout's hold: it lapses after the shop's unopened-hold time unless `openInventoryHold` is called. */
  lapseUnopened?: boolean;
  now?: Date;
  store?: HoldStore;
}

export interface CreatedInventoryHold {
  holdId: string;
  expiresAt: Date;
  /** With `lapseUnopened`: the expiry the hold gets when its page is opened. */
  openExpiresAt: Date | null;
  /** False when an idempotency key replayed an existing hold. */
  created: boolean;
}

/**
 * Reserves every line or none. Fails with `inventory_insufficient` and
 * `details.items` (sku, variantKey, requested, available per short line);
 * with `purchase_limit_exceeded` (422, `details.lines`) for a line over its
 * variant's purchase limit; with `rate_limited` (429,
 * `details.retryAfterSeconds`) for a client at a cap of the shop's hold policy.
 * Nothing is held in any of these.
 * Replaying an idempotency key answers with the same hold while it is active;
 * a key reused for other lines, or for a hold already settled, is a `conflict`.
 */
export async function createInventoryHold(options: CreateInventoryHoldOptions): Promise<CreatedInventoryHold> {
  const metrics = getMetrics();
  const hold = await timed(metrics.holdCreationDuration, () => createHold(options));
  if (hold.created) metrics.holdCreated.inc();
  return hold;
}

async function createHold(options: CreateInventoryHoldOptions): Promise<CreatedInventoryHold> {
  const shopId = parseShopId(options.shopId);
  const ttlSeconds = parseOrThrow(
    ttlSecondsSchema,
    options.ttlSeconds ?? getEnv().INVENTORY_HOLD_TTL_SECONDS,
    "ttlSeconds",
  );
  const idempotencyKey =
    options.idempotencyKey === undefined
      ? undefined
      : parseOrThrow(idempotencyKeySchema, options.idempotencyKey, "idempotencyKey");
  const lines = toHoldLines(options.requests);
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw InventoryError.validation([{ field: "now", message: "must be a valid date" }]);
  }
  const store = options.store ?? getHoldStore();
  const client = options.client === undefined ? undefined : parseOrThrow(holdClientSchema, options.client, "client");

  const fingerprint = createHash("sha256")
    .update(JSON.stringify(lines.map((line) => [line.sku, line.variantKey, line.quantity])))
    .digest("hex");
  const result = await store.createHold({
    shopId,
    holdId: `hold_${timeOrderedUuid(now.getTime())}`,
    lines,
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    now,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey, fingerprint }),
    ...(client && (client.address !== undefined || client.buyer !== undefined) ? { client } : {}),
    ...(options.lapseUnopened ? { lapseUnopened: true } : {}),
  });
  if (client?.address !== undefined || client?.buyer !== undefined) noteClientHoldRequest(shopId, now);
  if (result.outcome === "limited") {
    noteHoldRefused(shopId, "purchase_limit", now);
    const first = result.lines[0]!;
    throw new InventoryError(
      "purchase_limit_exceeded",
      `${first.sku} is limited to ${first.limit} per customer` +
        (first.alreadyHeld > 0 ? `; you already have ${first.alreadyHeld} (in an order or an open checkout).` : "."),
      { details: { lines: result.lines } },
    );
  }
  if (result.outcome === "capped") {
    noteHoldRefused(shopId, result.cap === "holds" ? "cap_holds" : "cap_units", now);
    const what =
      result.cap === "holds" ? `${result.limit} checkouts open at once` : `${result.limit} units held at once`;
    if (result.retryAfterSeconds === null) {
      throw new InventoryError(
        "purchase_limit_exceeded",
        `One customer may have at most ${what}; this cart alone is more.`,
        {
          details: { cap: result.cap, limit: result.limit },
        },
      );
    }
    throw new InventoryError(
      "rate_limited",
      `One customer may have at most ${what}. Try again in ${result.retryAfterSeconds} s.`,
      {
        details: {
          cap: result.cap,
          limit: result.limit,
          client: result.client,
          retryAfterSeconds: result.retryAfterSeconds,
        },
      },
    );
  }
  if (result.outcome === "insufficient") {
    throw new InventoryError(
      "inventory_insufficient",
      "Some items are no longer available in the quantity requested.",
      {
        details: { items: result.insufficient },
      },
    );
  }
  if (result.outcome === "existing") {
    // A replay must be the same request, for a hold that still holds stock.
    if (!result.sameRequest) {
      throw new InventoryError("conflict", "This idempotency key was already used for a different request.", {
        details: { holdId: result.holdId, field: "idempotencyKey" },
      });
    }
    const status =
      result.status === "active" && result.expiresAt.getTime() <= now.getTime() ? "expired" : result.status;
    if (status !== "active") {
      throw new InventoryError("conflict", `The hold for this idempotency key is already ${status}.`, {
        details: { holdId: result.holdId, status },
      });
    }
  }
  return {
    holdId: result.holdId,
    expiresAt: result.expiresAt,
    openExpiresAt: result.openExpiresAt,
    created: result.outcome === "created",
  };
}
