import { parseOrThrow, releaseInventoryHold } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";

export const dynamic = "force-dynamic";

const paramsSchema = z.object({ holdId: z.string().min(1, "is required").max(128, "must be at most 128 characters") });

/**
 * Releases an active hold: its units become available again. Idempotent:
 * releasing a released or expired hold, or a committed one, changes nothing
 * (`changed: false`; a committed sale is never undone).
 */
export const POST = withOperatorRoute({ role: "editor", shop: true }, async ({ shopId, params }) => {
  const { holdId } = parseOrThrow(paramsSchema, params);
  const { holds } = getStores();
  const result = await releaseInventoryHold({ shopId, holdId, store: holds });
  return Response.json(result);
});
