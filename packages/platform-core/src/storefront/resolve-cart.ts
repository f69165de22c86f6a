import { isInventoryError } from "../errors/inventory-error.ts";
import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import { refId, type InventoryItem } from "../inventory/types.ts";
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
  const items = await readableItems(storefront.shopId, lines);
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

/**
 * The store refuses a whole batch when one reference is malformed. The cart
 * cookie is the buyer's to edit, so such a line reads as "not stocked"
 * instead of failing the page.
 */
async function readableItems(shopId: string, lines: CartCookieLine[]): Promise<InventoryItem[]> {
  const store = getInventoryStore();
  try {
    return await store.getItems(
      shopId,
      lines.map(({ sku, variantKey }) => ({ sku, variantKey })),
    );
  } catch (error) {
    if (!isInventoryError(error, "validation_failed")) throw error;
    const found = await Promise.all(
      lines.map(({ sku, variantKey }) =>
        store.getItem(shopId, { sku, variantKey }).catch((lineError: unknown) => {
          if (isInventoryError(lineError, "validation_failed")) return null;
          throw lineError;
        }),
      ),
    );
    return found.filter((item): item is InventoryItem => item !== null);
  }
}
