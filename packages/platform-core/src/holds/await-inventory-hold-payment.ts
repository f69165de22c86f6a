import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema } from "./hold-inputs.ts";
import type { HandledEvent, HoldStore, HoldTransition } from "./types.ts";

/**
 * The buyer checked out with a delayed payment method (a bank transfer):
 * keeps an active hold until `until` while the payment clears, the only way
 * past the maximum TTL. With `event`, the provider event is recorded as
 * handled in the same step (`duplicate` when it was before).
 */
export async function awaitInventoryHoldPayment(options: {
  shopId: string;
  holdId: string;
  until: Date;
  now?: Date;
  event?: HandledEvent;
  store?: HoldStore;
}): Promise<HoldTransition> {
  const shopId = parseShopId(options.shopId);
  const holdId = parseOrThrow(holdIdSchema, options.holdId, "holdId");
  const store = options.store ?? getHoldStore();
  return store.awaitPayment({
    shopId,
    holdId,
    until: options.until,
    now: options.now ?? new Date(),
    ...(options.event ? { event: options.event } : {}),
  });
}
