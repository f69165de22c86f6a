import { parseOrThrow, readJsonBody, replayStockEvents } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

const bodySchema = z.strictObject(
  { shopId: z.unknown(), fromSeq: z.unknown() },
  {
    error: (issue: { code: string; keys?: string[] }) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys?.join(", ")}`
        : "must be a JSON object with shopId and fromSeq",
  },
);

/**
 * Delivers a shop's events again from `fromSeq` (1 to lastSeq + 1): `{ deliveredSeq, lastSeq }`. 400 names `fromSeq`
 * outside that range; 404 when the subscription does not receive the shop. Admins only.
 */
export const POST = withOperatorRoute({ role: "admin" }, async ({ request, params }) => {
  const body = parseOrThrow(bodySchema, await readJsonBody(request, 1024));
  return Response.json(
    await replayStockEvents({ subscriptionId: params.id, shopId: body.shopId, fromSeq: body.fromSeq }),
  );
});
