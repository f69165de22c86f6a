import { revokeIntegration } from "@acme/platform-core";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

/** Revokes an integration: its token answers 401 from now on. 404 for an unknown id. Admins only. */
export const POST = withOperatorRoute({ role: "admin" }, async ({ params }) =>
  Response.json({ integration: await revokeIntegration({ id: params.id }) }),
);
