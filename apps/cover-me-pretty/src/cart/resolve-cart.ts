import { getInventoryStore } from "@acme/platform-core";
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
  const items = await getInventoryStore().getItems(
    shopId,
    lines.map(({ sku, variantKey }) => ({ sku, variantKey })),
  );
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
