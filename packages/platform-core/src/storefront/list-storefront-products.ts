import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import type { InventoryItem } from "../inventory/types.ts";
import { compareVariantAttributes } from "../variants/variant-label.ts";
import type { CatalogueEntry, Storefront } from "./storefront-types.ts";

/** A variant as a shop page shows it. */
export interface StorefrontVariant {
  sku: string;
  variantKey: string;
  attributes: Record<string, string>;
  /** Units a buyer can take now (on hand minus active holds). */
  available: number;
  lowStockThreshold: number | null;
  /** At most this many per customer (null: no limit). */
  purchaseLimit: number | null;
}

/** A catalogue entry with its variants from live stock. */
export type StorefrontProduct<P extends CatalogueEntry> = P & {
  productId: string;
  variants: StorefrontVariant[];
  /** Units available over all variants. */
  available: number;
};

function toVariant(item: InventoryItem): StorefrontVariant {
  return {
    sku: item.sku,
    variantKey: item.variantKey,
    attributes: item.variantAttributes,
    available: Math.max(item.available, 0),
    lowStockThreshold: item.lowStockThreshold,
    purchaseLimit: item.purchaseLimit,
  };
}

/**
 * The shop's products from live stock: every stocked product the catalogue
 * describes, by name, each with its variants (by colour, then sizes small to large).
 */
export async function listStorefrontProducts<P extends CatalogueEntry>(
  storefront: Storefront<P>,
): Promise<Array<StorefrontProduct<P>>> {
  const items = await getInventoryStore().listItems(storefront.shopId);
  const products = new Map<string, StorefrontProduct<P>>();
  for (const item of items) {
    const entry = storefront.catalogue.product(item.productId);
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
  for (const product of products.values())
    product.variants.sort((a, b) => compareVariantAttributes(a.attributes, b.attributes));
  return [...products.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** One product of the shop from live stock, or undefined when not stocked or not in the catalogue. */
export async function getStorefrontProduct<P extends CatalogueEntry>(
  storefront: Storefront<P>,
  productId: string,
): Promise<StorefrontProduct<P> | undefined> {
  return (await listStorefrontProducts(storefront)).find((product) => product.productId === productId);
}
