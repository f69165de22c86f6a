import { getReturnStore, getShopReturnPolicy, listStockReturns } from "@acme/platform-core";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

/**
 * The shop's returns: its return policy (`ask` until someone sets it), the refunds waiting for an operator (with
 * their checkout's lines) and the most recent decided ones. Viewers may read. 409 on the JSON backend, which keeps
 * no returns.
 */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ shopId }) => {
  const store = getReturnStore();
  const [policy, returns] = await Promise.all([
    getShopReturnPolicy({ shopId, store }),
    listStockReturns({ shopId, store }),
  ]);
  return Response.json({ policy, ...returns });
});
