import { getInventoryStore, type InventoryItem } from "@acme/platform-core";
import { compareVariantAttributes, variantLabel } from "@acme/platform-core/universal";
import { catalogue, catalogueRank, type BcdProduct } from "./catalogue.ts";

export interface ShopVariant {
  sku: string;
  variantKey: string;
  attributes: Record<string, string>;
  /** "Coral / M"; "" for a product without variants. */
  label: string;
  /** The `color` attribute, lower-cased, or null. */
  colour: string | null;
  /** Units a buyer can take now (on hand minus active holds). */
  available: number;
  lowStockThreshold: number | null;
  /** At most this many per customer; null: no limit. */
  purchaseLimit: number | null;
}

export interface ShopProduct extends BcdProduct {
  productId: string;
  variants: ShopVariant[];
  /** Units available over all variants. */
  available: number;
}

function toVariant(item: InventoryItem): ShopVariant {
  const colour = Object.entries(item.variantAttributes).find(([key]) => key.toLowerCase() === "color")?.[1];
  return {
    sku: item.sku,
    variantKey: item.variantKey,
    attributes: item.variantAttributes,
    label: variantLabel(item.variantAttributes),
    colour: colour ? colour.toLowerCase() : null,
    available: Math.max(item.available, 0),
    lowStockThreshold: item.lowStockThreshold,
    purchaseLimit: item.purchaseLimit,
  };
}

/** The shop's products from live stock, in catalogue order; stocked products the catalogue does not describe are left out. */
export async function listProducts(shopId: string): Promise<ShopProduct[]> {
  const items = await getInventoryStore().listItems(shopId);
  const products = new Map<string, ShopProduct>();
  for (const item of items) {
    const entry = catalogue.product(item.productId);
    if (!entry) continue;
    let product = products.get(item.productId);
    if (!product) {
      product = { ...entry, productId: item.productId, variants: [], available: 0 };
      products.set(item.productId, product);
    }
    const variant = toVariant(item);
    product.variants.push(variant);
    product.available += variant.available;
  }
  // Sizes small to large, as buyers expect.
  for (const product of products.values()) product.variants.sort((a, b) => compareVariantAttributes(a.attributes, b.attributes));
  return [...products.values()].sort((a, b) => catalogueRank(a.productId) - catalogueRank(b.productId));
}

export async function getProduct(shopId: string, productId: string): Promise<ShopProduct | undefined> {
  return (await listProducts(shopId)).find((product) => product.productId === productId);
}
