import { revokeOperatorSessions } from "@acme/platform-core";
import { withOperatorRoute } from "@/lib/auth/guards";
import { endSession } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

// Clears this browser's cookie and revokes every session signed in so far, so a
// copied cookie stops working too (sessions are sealed cookies the server keeps no copy of).
export const POST = withOperatorRoute({}, async ({ operator }) => {
  await revokeOperatorSessions({ id: operator.id });
  await endSession();
  return Response.json({ signedOut: true });
});
