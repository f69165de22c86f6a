import {
  deleteStockEventSubscription,
  forgetStockEventSubscriptionCache,
  getStockEventSubscription,
  parseOrThrow,
  readJsonBody,
  updateStockEventSubscription,
} from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

const SUBSCRIPTION_MAX_BYTES = 16 * 1024;

const updateBodySchema = z.strictObject(
  {
    name: z.unknown().optional(),
    url: z.unknown().optional(),
    shops: z.unknown().optional(),
    kinds: z.unknown().optional(),
    active: z.unknown().optional(),
    rotateSecret: z.unknown().optional(),
    startFrom: z.unknown().optional(),
  },
  {
    error: (issue: { code: string; keys?: string[] }) =>
      issue.code === "unrecognized_keys" ? `has unknown fields ${issue.keys?.join(", ")}` : "must be a JSON object",
  },
);

/** One subscription with its cursors. 404 for an unknown id. Admins only. */
export const GET = withOperatorRoute({ role: "admin" }, async ({ params }) =>
  Response.json({ subscription: await getStockEventSubscription({ id: params.id }) }),
);

/**
 * Changes name, URL, shops, kinds, pauses (`active: false`) or resumes, or rotates the secret (`rotateSecret: true`:
 * the answer carries the new `secret`, this once). 400 names each bad field; 404 for an unknown id.
 */
export const PATCH = withOperatorRoute({ role: "admin" }, async ({ request, params }) => {
  const body = parseOrThrow(updateBodySchema, await readJsonBody(request, SUBSCRIPTION_MAX_BYTES));
  const updated = await updateStockEventSubscription({ ...body, id: params.id });
  forgetStockEventSubscriptionCache();
  return Response.json(updated);
});

/** Deletes the subscription and its cursors: 204. 404 for an unknown id. */
export const DELETE = withOperatorRoute({ role: "admin" }, async ({ params }) => {
  await deleteStockEventSubscription({ id: params.id });
  return new Response(null, { status: 204 });
});
