import { withOperatorRoute } from "@/lib/auth/guards";
import { loadLowStock } from "@/app/cms/_lib/low-stock";

export const dynamic = "force-dynamic";

/** Variants at or below their threshold, out of stock, and recently alerted. */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ shopId }) =>
  Response.json(await loadLowStock(shopId)),
);
