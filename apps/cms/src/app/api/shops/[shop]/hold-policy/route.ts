import { getShopHoldPolicy, readJsonBody, setShopHoldPolicy } from "@acme/platform-core";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";

export const dynamic = "force-dynamic";

/** Three numbers; anything larger is refused unread (413). */
const POLICY_MAX_BYTES = 4 * 1024;

/** The shop's hold policy (the defaults, `isDefault: true`, until an admin sets one). Viewers may read. */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ shopId }) => {
  const policy = await getShopHoldPolicy({ shopId, store: getStores().holds });
  return Response.json({ policy });
});

/**
 * Sets all three values of the shop's hold policy (admins only). A value
 * missing, not a whole number or out of range is `validation_failed` naming
 * `policy.<field>`, and nothing changes; holds already made keep their expiry.
 */
export const PUT = withOperatorRoute({ role: "admin", shop: true }, async ({ request, shopId, operator }) => {
  const policy = await setShopHoldPolicy({
    shopId,
    policy: await readJsonBody(request, POLICY_MAX_BYTES),
    actor: operator.email,
    store: getStores().holds,
  });
  return Response.json({ policy });
});
