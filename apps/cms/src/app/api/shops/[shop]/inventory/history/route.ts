import { locationCodeSchema, parseOrThrow } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { queryOf } from "../../_lib/http";

export const dynamic = "force-dynamic";

const historyQuerySchema = z.strictObject({
  sku: z.string({ error: "is required" }).min(1, "is required").max(128),
  variantKey: z.string().max(2048).default(""),
  /** Only this location's entries. */
  location: locationCodeSchema.optional(),
  /** Entries older than this ledger id (the previous page's last id). */
  before: z
    .string()
    .regex(/^\d{1,18}$/, "must be a ledger entry id")
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "must be a whole number")
    .transform(Number)
    .refine((value) => value >= 1 && value <= 500, "must be 1..500")
    .default(100),
});

/** A variant's ledger, newest first (each entry names its location), with its current stock. Viewers may read. */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId }) => {
  const query = parseOrThrow(historyQuerySchema, queryOf(request));
  const { inventory } = getStores();
  const ref = { sku: query.sku, variantKey: query.variantKey };
  const [item, entries] = await Promise.all([
    inventory.getItem(shopId, ref),
    inventory.listLedger(shopId, {
      ...ref,
      limit: query.limit,
      ...(query.before ? { beforeId: query.before } : {}),
      ...(query.location ? { location: query.location } : {}),
    }),
  ]);
  const nextBefore = entries.length === query.limit ? entries.at(-1)?.id : undefined;
  return Response.json({ item, entries, ...(nextBefore ? { nextBefore } : {}) });
});
