import { withOperatorRoute } from "@/lib/auth/guards";
import { endSession } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export const POST = withOperatorRoute({}, async () => {
  await endSession();
  return Response.json({ signedOut: true });
});
