import { parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import type { HoldStore, ReconcileReport } from "./types.ts";

/**
 * Recomputes `reserved` from active holds and reports every variant where they
 * differ. With `repair`, sets `reserved` to the recomputed value under lock.
 * Drift means a bug or a manual database edit: it should always be empty.
 */
export async function reconcileInventoryReserved(
  options: { shopId?: string; repair?: boolean; store?: HoldStore } = {},
): Promise<ReconcileReport> {
  const shopId = options.shopId === undefined ? undefined : parseShopId(options.shopId);
  return (options.store ?? getHoldStore()).reconcile({
    ...(shopId === undefined ? {} : { shopId }),
    repair: options.repair ?? false,
  });
}
