import { getShopHoldPolicy, holdPolicySchema, parseOrThrow, readJsonBody, setShopHoldPolicy } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";

export const dynamic = "force-dynamic";

/** Three numbers; anything larger is refused unread (413). */
const POLICY_MAX_BYTES = 4 * 1024;

// Says what is missing or not a number, which the library's schema would answer in zod's words
// ("expected number, received undefined"); the ranges are the library's, checked in the same pass
// so that every field's error comes back at once.
const number = z.number({
  error: (issue) => (issue.input === undefined ? "is required" : typeof issue.input === "number" ? "must be a finite number" : "must be a number"),
});
const { maxActiveHoldsPerClient, maxHeldUnitsPerClient, unopenedHoldSeconds } = holdPolicySchema.shape;
const policyBodySchema = z.strictObject(
  {
    maxActiveHoldsPerClient: number.pipe(maxActiveHoldsPerClient),
    maxHeldUnitsPerClient: number.pipe(maxHeldUnitsPerClient),
    unopenedHoldSeconds: number.pipe(unopenedHoldSeconds),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys.join(", ")}`
        : "must be a JSON object with maxActiveHoldsPerClient, maxHeldUnitsPerClient and unopenedHoldSeconds",
  },
);

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
  const body = parseOrThrow(policyBodySchema, await readJsonBody(request, POLICY_MAX_BYTES), "policy");
  const policy = await setShopHoldPolicy({ shopId, policy: body, actor: operator.email, store: getStores().holds });
  return Response.json({ policy });
});
