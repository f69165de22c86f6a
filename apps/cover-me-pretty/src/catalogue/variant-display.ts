// Display helpers shared by server pages and client components (no server imports here).
import { compareVariantAttributes, variantLabel } from "@acme/platform-core/universal";

export { variantLabel };

/** Attribute name to value, as the inventory store keeps them. */
export type VariantAttributes = Record<string, string>;

export interface ShopVariant {
  sku: string;
  variantKey: string;
  attributes: VariantAttributes;
  /** Units a buyer can take now (on hand minus active holds). */
  available: number;
  lowStockThreshold: number | null;
  /** At most this many per customer (null: no limit). */
  purchaseLimit: number | null;
}

/** "only N left" threshold: the item's low-stock threshold, or 3. */
export function isLowStock(variant: Pick<ShopVariant, "available" | "lowStockThreshold">): boolean {
  return variant.available > 0 && variant.available <= (variant.lowStockThreshold ?? 3);
}


/** Variants in the order buyers expect: by colour, then sizes small to large. */
export function compareVariants(a: Pick<ShopVariant, "attributes">, b: Pick<ShopVariant, "attributes">): number {
  return compareVariantAttributes(a.attributes, b.attributes);
}
