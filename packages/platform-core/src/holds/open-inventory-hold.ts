import { InventoryError } from "../errors/inventory-error.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema } from "./hold-inputs.ts";
import type { HoldStore, InventoryHoldView } from "./types.ts";

/**
 * The buyer reached the payment page: a checkout's hold, which lapses early
 * until then (`lapseUnopened`), gets its full term (`openExpiresAt`). Opening
 * again, or a hold made at its full term, changes nothing. A hold that
 * lapsed or ended first is a `conflict`: its stock may be someone else's now.
 */
export async function openInventoryHold(options: {
  shopId: string;
  holdId: string;
  now?: Date;
  store?: HoldStore;
}): Promise<InventoryHoldView> {
  const shopId = parseShopId(options.shopId);
  const holdId = parseOrThrow(holdIdSchema, options.holdId, "holdId");
  const now = options.now ?? new Date();
  const store = options.store ?? getHoldStore();
  const hold = await store.openHold({ shopId, holdId, now });
  if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
  if (hold.status !== "active") {
    throw new InventoryError("conflict", `The hold for this checkout is ${hold.status}; start the checkout again.`, {
      details: { holdId, status: hold.status },
    });
  }
  return hold;
}
