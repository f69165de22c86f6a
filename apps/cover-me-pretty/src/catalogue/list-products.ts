import { getInventoryStore, type InventoryItem } from "@acme/platform-core";
import { catalogueProduct, type CatalogueProduct } from "./catalogue.ts";
import { compareVariants, type ShopVariant } from "./variant-display.ts";

export type { ShopVariant } from "./variant-display.ts";
export { isLowStock, variantLabel } from "./variant-display.ts";

export interface ShopProduct extends CatalogueProduct {
  variants: ShopVariant[];
  /** Units available over all variants. */
  available: number;
}

function toVariant(item: InventoryItem): ShopVariant {
  return {
    sku: item.sku,
    variantKey: item.variantKey,
    attributes: item.variantAttributes,
    available: Math.max(item.available, 0),
    lowStockThreshold: item.lowStockThreshold,
    purchaseLimit: item.purchaseLimit,
  };
}

/** The shop's products, straight from live stock, in catalogue order of first appearance. */
export async function listProducts(shopId: string): Promise<ShopProduct[]> {
  const items = await getInventoryStore().listItems(shopId);
  const products = new Map<string, ShopProduct>();
  for (const item of items) {
    const entry = catalogueProduct(item.productId);
    if (!entry) continue;
    let product = products.get(item.productId);
    if (!product) {
      product = { ...entry, variants: [], available: 0 };
      products.set(item.productId, product);
    }
    const variant = toVariant(item);
    product.variants.push(variant);
    product.available += variant.available;
  }
  for (const product of products.values()) product.variants.sort(compareVariants);
  return [...products.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function getProduct(shopId: string, productId: string): Promise<ShopProduct | undefined> {
  return (await listProducts(shopId)).find((product) => product.productId === productId);
}
