import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema } from "./hold-inputs.ts";
import type { HandledEvent, HoldStore, HoldTransition } from "./types.ts";
import { getMetrics } from "../metrics/metrics-registry.ts";

/**
 * Gives an active hold's units back. Releasing a released or expired hold is a
 * no-op, and releasing a committed one never restores stock (`changed: false`).
 */
export async function releaseInventoryHold(options: {
  shopId: string;
  holdId: string;
  now?: Date;
  /** Let the hold's idempotency key make a new hold later (the checkout never reached the buyer). */
  forgetIdempotencyKey?: boolean;
  /**
   * The provider event that caused the release, recorded as handled in the same step (`duplicate` when it was before).
   */
  event?: HandledEvent;
  store?: HoldStore;
}): Promise<HoldTransition> {
  const shopId = parseShopId(options.shopId);
  const holdId = parseOrThrow(holdIdSchema, options.holdId, "holdId");
  const store = options.store ?? getHoldStore();
  const result = await store.releaseHold({
    shopId,
    holdId,
    now: options.now ?? new Date(),
    ...(options.forgetIdempotencyKey ? { forgetIdempotencyKey: true } : {}),
    ...(options.event ? { event: options.event } : {}),
  });
  if (result.changed) getMetrics().holdReleased.inc();
  return result;
}
