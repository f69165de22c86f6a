import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import { refId } from "../inventory/types.ts";
import { variantLabel } from "../variants/variant-label.ts";
import type { CartCookieLine } from "./cart-cookie.ts";
import type { CatalogueEntry, Storefront } from "./storefront-types.ts";

export interface ResolvedCartLine extends CartCookieLine {
  productId: string | null;
  /** The catalogue's product name, or the sku when the shop does not sell it. */
  name: string;
  /** "Coral / M"; "" for a product without variants. */
  variantLabel: string;
  /** null when the shop does not sell the variant (no price). */
  unitAmount: number | null;
  /** Live availability; 0 when the shop does not stock the variant. */
  available: number;
  lowStockThreshold: number | null;
}

/** A cart's lines with names, prices and live availability from the shop's stock and catalogue. */
export async function resolveCart<P extends CatalogueEntry>(
  storefront: Storefront<P>,
  lines: CartCookieLine[],
): Promise<ResolvedCartLine[]> {
  if (lines.length === 0) return [];
  // Lines read by the cookie codec name valid variants, as the store requires: one read for the whole cart.
  const items = await getInventoryStore().getItems(
    storefront.shopId,
    lines.map(({ sku, variantKey }) => ({ sku, variantKey })),
  );
  const byRef = new Map(items.map((item) => [refId(item), item]));
  return lines.map((line) => {
    const item = byRef.get(refId(line));
    const product = item ? storefront.catalogue.product(item.productId) : undefined;
    return {
      ...line,
      productId: item?.productId ?? null,
      name: product?.name ?? line.sku,
      variantLabel: item ? variantLabel(item.variantAttributes) : "",
      unitAmount: product?.unitAmount ?? null,
      available: Math.max(item?.available ?? 0, 0),
      lowStockThreshold: item?.lowStockThreshold ?? null,
    };
  });
}
