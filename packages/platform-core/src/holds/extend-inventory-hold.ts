import { HOLD_TTL_MAX_SECONDS } from "../env.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema, ttlSecondsSchema } from "./hold-inputs.ts";
import type { HoldStore, InventoryHoldView } from "./types.ts";

/**
 * Pushes an active hold's expiry to `now + ttlSeconds`, capped at the maximum
 * TTL counted from the hold's creation: no hold lives past 3600 s. An expired
 * hold cannot be revived (`conflict`): its stock may already be sold.
 */
export async function extendInventoryHold(options: {
  shopId: string;
  holdId: string;
  ttlSeconds: number;
  now?: Date;
  store?: HoldStore;
}): Promise<InventoryHoldView> {
  const shopId = parseShopId(options.shopId);
  const holdId = parseOrThrow(holdIdSchema, options.holdId, "holdId");
  const ttlSeconds = parseOrThrow(ttlSecondsSchema, options.ttlSeconds, "ttlSeconds");
  const now = options.now ?? new Date();
  const store = options.store ?? getHoldStore();
  const hold = await store.getHold({ shopId, holdId, now });
  if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
  const cap = hold.createdAt.getTime() + HOLD_TTL_MAX_SECONDS * 1000;
  const expiresAt = new Date(Math.min(now.getTime() + ttlSeconds * 1000, cap));
  if (expiresAt.getTime() <= hold.expiresAt.getTime() && hold.status === "active") return hold;
  return store.extendHold({ shopId, holdId, expiresAt, now });
}
