// Display helpers shared by server pages and client components (no server imports here).
import { compareVariantAttributes, variantLabel, type StorefrontVariant } from "@acme/platform-core/universal";

export { variantLabel };

/** A variant as this shop's pages show it (the library's, from live stock). */
export type ShopVariant = StorefrontVariant;

/** "only N left" threshold: the item's low-stock threshold, or 3. */
export function isLowStock(variant: Pick<ShopVariant, "available" | "lowStockThreshold">): boolean {
  return variant.available > 0 && variant.available <= (variant.lowStockThreshold ?? 3);
}

/** Variants in the order buyers expect: by colour, then sizes small to large. */
export function compareVariants(a: Pick<ShopVariant, "attributes">, b: Pick<ShopVariant, "attributes">): number {
  return compareVariantAttributes(a.attributes, b.attributes);
}
