import { decideStockReturn, getReturnStore, readJsonBody } from "@acme/platform-core";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

/** A decision names at most a checkout's lines; anything larger is refused unread (413). */
const BODY_MAX_BYTES = 256 * 1024;

/**
 * An operator's decision on a pending return (editors and admins):
 * `{ decision: "restock", lines: [{ sku, variantKey, location, quantity }], note? }` puts those units back (each at
 * most what the refund returned; `lines.<i>.quantity` names a line asking more), `{ decision: "dismiss", note? }`
 * puts nothing back. 404 for a refund the shop has no return for; 409 when it is no longer pending.
 */
export const POST = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, params, operator }) => {
  const decided = await decideStockReturn({
    shopId,
    refundId: params.refundId ?? "",
    input: await readJsonBody(request, BODY_MAX_BYTES),
    actor: operator.email,
    store: getReturnStore(),
  });
  return Response.json({ return: decided });
});
