import { parseOrThrow } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";

export const dynamic = "force-dynamic";

const paramsSchema = z.object({
  transferId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a transfer id"),
});

/**
 * A transfer in transit arrives: its units join the destination's stock. Receiving a received transfer changes
 * nothing (the answer shows when and by whom it was received); 404 for a transfer the shop does not have.
 */
export const POST = withOperatorRoute({ role: "editor", shop: true }, async ({ shopId, params, operator }) => {
  const { transferId } = parseOrThrow(paramsSchema, params);
  const transfer = await getStores().locations.receiveTransfer({ shopId, transferId, actor: operator.email });
  return Response.json({ transfer });
});
