import { getInventoryStore, isInventoryError, type InventoryItem } from "@acme/platform-core";
import { catalogueProduct } from "../catalogue/catalogue.ts";
import { variantLabel } from "../catalogue/list-products.ts";
import type { CartLine } from "./cart-cookie.ts";

export interface ResolvedCartLine extends CartLine {
  productId: string | null;
  name: string;
  variantLabel: string;
  unitAmount: number | null;
  /** Live availability; 0 when the shop does not stock the variant. */
  available: number;
  lowStockThreshold: number | null;
}

/** The cart with names, prices and live availability from this shop's stock. */
export async function resolveCart(shopId: string, lines: CartLine[]): Promise<ResolvedCartLine[]> {
  if (lines.length === 0) return [];
  const items = await readableItems(shopId, lines);
  const byRef = new Map(items.map((item) => [`${item.sku}\u0000${item.variantKey}`, item]));
  return lines.map((line) => {
    const item = byRef.get(`${line.sku}\u0000${line.variantKey}`);
    const product = item ? catalogueProduct(item.productId) : undefined;
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
 * The store refuses a whole batch when one reference is malformed (a blank sku,
 * a non-canonical variant key). The cart cookie is the buyer's to edit, so such
 * a line is read as "not stocked" instead of failing the page (was a 500).
 */
async function readableItems(shopId: string, lines: CartLine[]): Promise<InventoryItem[]> {
  const store = getInventoryStore();
  try {
    return await store.getItems(shopId, lines.map(({ sku, variantKey }) => ({ sku, variantKey })));
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
