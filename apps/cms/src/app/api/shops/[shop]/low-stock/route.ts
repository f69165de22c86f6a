import { InventoryError, locationCodeSchema, parseOrThrow } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { loadLowStock } from "@/app/cms/_lib/low-stock";
import { queryOf } from "../_lib/http";

export const dynamic = "force-dynamic";

const lowStockQuerySchema = z.strictObject({ location: locationCodeSchema.optional() });

/**
 * Variants at or below their threshold, out of stock, and recently alerted: by the shop total with each variant's
 * stock per location, or at one location (`?location=`; 404 for a code the shop does not have).
 */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId }) => {
  const { location } = parseOrThrow(lowStockQuerySchema, queryOf(request));
  if (location !== undefined) {
    const known = await getStores().locations.listLocations(shopId);
    if (!known.some((l) => l.code === location))
      throw new InventoryError("not_found", `Shop ${shopId} has no location coded ${location}.`);
  }
  return Response.json(await loadLowStock(shopId, location));
});
