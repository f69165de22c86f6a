import { createIntegration, listIntegrations, parseOrThrow, readJsonBody } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

/** A name and a list of shops; anything larger is refused unread (413). */
const INTEGRATION_MAX_BYTES = 8 * 1024;

// The library parses name and shops and names the field that is wrong; this only refuses other shapes.
const createBodySchema = z.strictObject(
  { name: z.unknown(), shops: z.unknown() },
  {
    error: (issue: { code: string; keys?: string[] }) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys?.join(", ")}`
        : "must be a JSON object with name and shops",
  },
);

/** Every integration (never a token). Admins only. */
export const GET = withOperatorRoute({ role: "admin" }, async () =>
  Response.json({ integrations: await listIntegrations() }),
);

/**
 * Creates an integration: 201 `{ integration, token }`, the token shown this once. 400 `validation_failed` names
 * the field (`name`, `shops`, `shops.1`). Admins only.
 */
export const POST = withOperatorRoute({ role: "admin" }, async ({ request, operator }) => {
  const body = parseOrThrow(createBodySchema, await readJsonBody(request, INTEGRATION_MAX_BYTES));
  const created = await createIntegration({ name: body.name, shops: body.shops, actor: operator.email });
  return Response.json(created, { status: 201 });
});
