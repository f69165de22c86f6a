import { getReturnStore, parseOrThrow, readJsonBody, setShopReturnPolicy } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

const BODY_MAX_BYTES = 1024;
const bodySchema = z.object({ policy: z.unknown() }).strict();

/**
 * Sets what refunds do to the shop's stock (editors and admins): `{ policy: "restock" | "no_restock" | "ask" }`.
 * Anything else is `validation_failed` naming `policy`, and nothing changes. Returns already recorded keep their
 * status; the policy applies from the next refund.
 */
export const PUT = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const body = parseOrThrow(bodySchema, await readJsonBody(request, BODY_MAX_BYTES));
  const policy = await setShopReturnPolicy({
    shopId,
    policy: body.policy,
    actor: operator.email,
    store: getReturnStore(),
  });
  return Response.json({ policy });
});
