import { createHash } from "node:crypto";
import { timeOrderedUuid } from "../ids/time-ordered-uuid.ts";
import { getEnv } from "../env.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { idempotencyKeySchema, toHoldLines, ttlSecondsSchema, type HoldRequest } from "./hold-inputs.ts";
import type { HoldStore } from "./types.ts";
import { getMetrics, timed } from "../metrics/metrics-registry.ts";

export interface CreateInventoryHoldOptions {
  shopId: string;
  /** One entry per variant wanted (duplicates are summed), e.g. from `cartToInventoryRequests`. */
  requests: HoldRequest[];
  /** Default `INVENTORY_HOLD_TTL_SECONDS` (1200); 60..3600. */
  ttlSeconds?: number;
  /** The same key always answers with the same hold, however often it is sent. */
  idempotencyKey?: string;
  now?: Date;
  store?: HoldStore;
}

export interface CreatedInventoryHold {
  holdId: string;
  expiresAt: Date;
  /** False when an idempotency key replayed an existing hold. */
  created: boolean;
}

/**
 * Reserves every line or none. Fails with `inventory_insufficient` and
 * `details.items` (sku, variantKey, requested, available per short line).
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
  const ttlSeconds = parseOrThrow(ttlSecondsSchema, options.ttlSeconds ?? getEnv().INVENTORY_HOLD_TTL_SECONDS, "ttlSeconds");
  const idempotencyKey =
    options.idempotencyKey === undefined ? undefined : parseOrThrow(idempotencyKeySchema, options.idempotencyKey, "idempotencyKey");
  const lines = toHoldLines(options.requests);
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw InventoryError.validation([{ field: "now", message: "must be a valid date" }]);
  }
  const store = options.store ?? getHoldStore();

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
  });
  if (result.outcome === "insufficient") {
    throw new InventoryError("inventory_insufficient", "Some items are no longer available in the quantity requested.", {
      details: { items: result.insufficient },
    });
  }
  if (result.outcome === "existing") {
    // A replay must be the same request, for a hold that still holds stock.
    if (!result.sameRequest) {
      throw new InventoryError("conflict", "This idempotency key was already used for a different request.", {
        details: { holdId: result.holdId, field: "idempotencyKey" },
      });
    }
    const status = result.status === "active" && result.expiresAt.getTime() <= now.getTime() ? "expired" : result.status;
    if (status !== "active") {
      throw new InventoryError("conflict", `The hold for this idempotency key is already ${status}.`, {
        details: { holdId: result.holdId, status },
      });
    }
  }
  return { holdId: result.holdId, expiresAt: result.expiresAt, created: result.outcome === "created" };
}
