import { parseOrThrow, readJsonBody, releaseClientHolds } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";

export const dynamic = "force-dynamic";

const RELEASE_MAX_BYTES = 1024;

// The library checks the values (address or buyer, a 32-hex key); this refuses other shapes.
const releaseBodySchema = z.strictObject(
  {
    client: z.string({ error: "is required (address or buyer)" }),
    key: z.string({ error: "is required (the client key the holders list shows)" }),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys.join(", ")}`
        : "must be a JSON object with client and key",
  },
);

/**
 * Releases every active hold of one client (by hashed address or buyer
 * cookie) in the shop, whatever variants they hold: the units are available
 * at once and each line is written to the ledger as `hold_release` by the
 * operator. A client with no active holds: `{ holdIds: [], units: 0 }`.
 */
export const POST = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const { client, key } = parseOrThrow(releaseBodySchema, await readJsonBody(request, RELEASE_MAX_BYTES));
  const result = await releaseClientHolds({ shopId, client, key, actor: operator.email, store: getStores().holds });
  return Response.json(result);
});
