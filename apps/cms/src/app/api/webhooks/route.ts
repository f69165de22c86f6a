import {
  createStockEventSubscription,
  forgetStockEventSubscriptionCache,
  listStockEventSubscriptions,
  parseOrThrow,
  readJsonBody,
} from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

/** A name, a URL, shops and kinds; anything larger is refused unread (413). */
const SUBSCRIPTION_MAX_BYTES = 16 * 1024;

// The library parses every value and names the field that is wrong; this only refuses other shapes.
const createBodySchema = z.strictObject(
  {
    name: z.unknown(),
    url: z.unknown(),
    shops: z.unknown(),
    kinds: z.unknown(),
    active: z.unknown().optional(),
    startFrom: z.unknown().optional(),
  },
  {
    error: (issue: { code: string; keys?: string[] }) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys?.join(", ")}`
        : "must be a JSON object with name, url, shops and kinds",
  },
);

/** Every stock event webhook subscription with its cursors (never a secret). Admins only. */
export const GET = withOperatorRoute({ role: "admin" }, async () =>
  Response.json({ subscriptions: await listStockEventSubscriptions() }),
);

/**
 * Creates a subscription: 201 `{ subscription, secret }`, the secret shown this once. 400 `validation_failed`
 * names each field (`name`, `url`, `shops.1`, `kinds.0`); nothing is created then. Admins only.
 */
export const POST = withOperatorRoute({ role: "admin" }, async ({ request, operator }) => {
  const body = parseOrThrow(createBodySchema, await readJsonBody(request, SUBSCRIPTION_MAX_BYTES));
  const created = await createStockEventSubscription({ ...body, actor: operator.email });
  forgetStockEventSubscriptionCache();
  return Response.json(created, { status: 201 });
});
