import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema } from "./hold-inputs.ts";
import type { HoldStatus, HoldStore, InventoryHoldView } from "./types.ts";

/** A hold with its items; an active hold past its expiry reads as `expired`. Null if unknown. */
export async function getInventoryHold(options: {
  shopId: string;
  holdId: string;
  now?: Date;
  store?: HoldStore;
}): Promise<InventoryHoldView | null> {
  const shopId = parseShopId(options.shopId);
  const holdId = parseOrThrow(holdIdSchema, options.holdId, "holdId");
  return (options.store ?? getHoldStore()).getHold({ shopId, holdId, now: options.now ?? new Date() });
}

/** A shop's holds, newest first, optionally of one status. */
export async function listInventoryHolds(options: {
  shopId: string;
  status?: HoldStatus;
  limit?: number;
  now?: Date;
  store?: HoldStore;
}): Promise<InventoryHoldView[]> {
  const shopId = parseShopId(options.shopId);
  return (options.store ?? getHoldStore()).listHolds({
    shopId,
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    now: options.now ?? new Date(),
  });
}
