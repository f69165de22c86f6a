import { parseShopId } from "../inventory/inputs.ts";
import { getReturnStore } from "./get-return-store.ts";
import type { PaidCheckoutView, ReturnStore, StockReturnView } from "./types.ts";

export interface ShopReturns {
  /** Waiting for an operator, oldest first. */
  pending: Array<StockReturnView & { checkout: PaidCheckoutView | null }>;
  /** Decided (by the policy or an operator), newest first. */
  recent: StockReturnView[];
}

/** What the CMS's Returns page shows: the pending returns with their checkouts, and the most recent decided ones. */
export async function listStockReturns(options: {
  shopId: string;
  recentLimit?: number;
  store?: ReturnStore;
}): Promise<ShopReturns> {
  const shopId = parseShopId(options.shopId);
  const store = options.store ?? getReturnStore();
  const limit = Math.min(Math.max(Math.trunc(options.recentLimit ?? 50), 1), 500);
  const [pending, recent] = await Promise.all([
    store.listReturns({ shopId, status: ["pending"], limit: 500 }),
    store.listReturns({ shopId, status: ["restocked", "not_restocked", "dismissed"], limit }),
  ]);
  const withCheckouts = await Promise.all(
    pending.reverse().map(async (entry) => ({
      ...entry,
      checkout: await store.getPaidCheckout({ shopId, sessionId: entry.sessionId }),
    })),
  );
  return { pending: withCheckouts, recent };
}
