import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema } from "./hold-inputs.ts";
import type { HoldStore, HoldTransition } from "./types.ts";

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
  return store.commitHold({ shopId, holdId, actor: options.actor ?? "checkout", now: options.now ?? new Date() });
}
