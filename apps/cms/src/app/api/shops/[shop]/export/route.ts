import { exportStock, parseOrThrow } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { queryOf } from "../_lib/http";

export const dynamic = "force-dynamic";

const exportQuerySchema = z.strictObject({
  format: z.enum(["csv", "json"], { error: "must be csv or json" }).default("csv"),
});

/**
 * Every variant of the shop as a CSV or JSON file that re-imports unchanged: a row per variant and location that keeps
 * it (the `location` column).
 */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId }) => {
  const { format } = parseOrThrow(exportQuerySchema, queryOf(request));
  const { inventory, locations } = getStores();
  const file = await exportStock({ store: inventory, locations, shopId, format });
  return new Response(file.content, {
    headers: {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.filename}"`,
      "cache-control": "no-store",
    },
  });
});
