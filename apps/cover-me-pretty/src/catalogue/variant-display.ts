// Display helpers shared by server pages and client components (no server imports here).

/** Attribute name to value, as the inventory store keeps them. */
export type VariantAttributes = Record<string, string>;

export interface ShopVariant {
  sku: string;
  variantKey: string;
  attributes: VariantAttributes;
  /** Units a buyer can take now (on hand minus active holds). */
  available: number;
  lowStockThreshold: number | null;
}

/** "coral / m", or "" for a product without variants. */
export function variantLabel(attributes: VariantAttributes): string {
  return Object.keys(attributes)
    .sort((a, b) => (a === "color" ? -1 : b === "color" ? 1 : a.localeCompare(b)))
    .map((name) => attributes[name])
    .join(" / ");
}

/** "only N left" threshold: the item's low-stock threshold, or 3. */
export function isLowStock(variant: Pick<ShopVariant, "available" | "lowStockThreshold">): boolean {
  return variant.available > 0 && variant.available <= (variant.lowStockThreshold ?? 3);
}


const SIZE_ORDER = ["xxs", "xs", "s", "s/m", "m", "m/l", "l", "l/xl", "xl", "xxl"];

/** Variants in the order buyers expect: by colour, then sizes small to large. */
export function compareVariants(a: Pick<ShopVariant, "attributes">, b: Pick<ShopVariant, "attributes">): number {
  const color = (a.attributes.color ?? "").localeCompare(b.attributes.color ?? "");
  if (color !== 0) return color;
  const rank = (size: string | undefined) => (size === undefined ? -1 : SIZE_ORDER.indexOf(size) === -1 ? SIZE_ORDER.length : SIZE_ORDER.indexOf(size));
  return rank(a.attributes.size) - rank(b.attributes.size) || variantLabel(a.attributes).localeCompare(variantLabel(b.attributes));
}
