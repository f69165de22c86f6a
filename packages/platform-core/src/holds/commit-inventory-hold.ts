import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema } from "./hold-inputs.ts";
import type { HandledEvent, HoldStore, HoldTransition, PaidHoldResult } from "./types.ts";
import { noteCommitFailure } from "../metrics/instrument.ts";
import { getMetrics } from "../metrics/metrics-registry.ts";
import { InventoryError } from "../errors/inventory-error.ts";

/**
 * Turns an active hold into a sale: its units leave `quantity` and `reserved`,
 * with a `sale` ledger entry per line. Committing a committed hold is a no-op
 * (`changed: false`). A released or expired hold cannot be committed (`conflict`).
 */
export async function commitInventoryHold(options: {
  shopId: string;
  holdId: string;
  actor?: string;
  now?: Date;
  store?: HoldStore;
}): Promise<HoldTransition> {
  const shopId = parseShopId(options.shopId);
  const holdId = parseOrThrow(holdIdSchema, options.holdId, "holdId");
  const store = options.store ?? getHoldStore();
  const now = options.now ?? new Date();
  const result = await store
    .commitHold({ shopId, holdId, actor: options.actor ?? "checkout", now })
    .catch((error: unknown) => {
      noteCommitFailure(shopId, now);
      throw error;
    });
  if (result.changed) getMetrics().holdCommitted.inc();
  return result;
}

/**
 * Payment succeeded for a hold, whatever became of it meanwhile: committed,
 * already committed, sold again after a lapse, or oversold with stock
 * untouched (see `PaidHoldOutcome`). With `event`, the provider event is
 * recorded as handled in the same step (`duplicate` when it was before), and
 * the paying Checkout Session on the hold when it names none yet. Counts
 * sales and failures: the webhook and any other caller go through here. An
 * id no hold can have is `not_found` (and a failure: the buyer paid).
 */
export async function commitPaidInventoryHold(options: {
  shopId: string;
  holdId: string;
  checkoutSessionId: string;
  actor: string;
  now?: Date;
  event?: HandledEvent;
  store?: HoldStore;
}): Promise<PaidHoldResult> {
  const shopId = parseShopId(options.shopId);
  const now = options.now ?? new Date();
  // Money was taken for this id: one no hold can have is a hold not found, and a failed sale.
  const parsedId = holdIdSchema.safeParse(options.holdId);
  if (!parsedId.success) {
    noteCommitFailure(shopId, now);
    throw new InventoryError("not_found", `No hold with that id in shop ${shopId}.`);
  }
  const holdId = parsedId.data;
  const store = options.store ?? getHoldStore();
  const result = await store
    .commitPaidHold({
      shopId,
      holdId,
      actor: options.actor,
      checkoutSessionId: options.checkoutSessionId,
      now,
      ...(options.event ? { event: options.event } : {}),
    })
    .catch((error: unknown) => {
      noteCommitFailure(shopId, now);
      throw error;
    });
  if (result.outcome === "committed" || result.outcome === "recommitted") getMetrics().holdCommitted.inc();
  if (result.outcome === "oversold") noteCommitFailure(shopId, now);
  return result;
}
