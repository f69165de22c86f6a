import { listInventoryHolds, parseOrThrow } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { queryOf } from "../_lib/http";

export const dynamic = "force-dynamic";

const holdsQuerySchema = z.strictObject({
  status: z
    .enum(["active", "expired", "committed", "released"], { error: "must be active, expired, committed or released" })
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "must be a whole number")
    .transform(Number)
    .refine((value) => value >= 1 && value <= 1000, "must be 1..1000")
    .default(100),
});

/** The shop's holds with their items, newest first, optionally of one status. */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId }) => {
  const query = parseOrThrow(holdsQuerySchema, queryOf(request));
  const { holds } = getStores();
  const list = await listInventoryHolds({
    shopId,
    limit: query.limit,
    store: holds,
    ...(query.status ? { status: query.status } : {}),
  });
  return Response.json({ holds: list });
});
