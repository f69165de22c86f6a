// No server imports: the product page's client picker uses these too.
import { variantLabel, type StorefrontVariant } from "@acme/platform-core/universal";

/** A variant as this shop's pages show it. */
export interface DisplayVariant extends StorefrontVariant {
  /** "Coral / M"; "" for a product without variants. */
  label: string;
  /** The `color` attribute, lower-cased (a key of `COLOURS`), or null. */
  colour: string | null;
}

export function displayVariant(variant: StorefrontVariant): DisplayVariant {
  const colour = Object.entries(variant.attributes).find(([key]) => key.toLowerCase() === "color")?.[1];
  return { ...variant, label: variantLabel(variant.attributes), colour: colour ? colour.toLowerCase() : null };
}

/** "Last N" when a variant is at or under its low-stock threshold (3 when it has none). */
export function isLowStock({ available, lowStockThreshold }: { available: number; lowStockThreshold: number | null }): boolean {
  return available > 0 && available <= (lowStockThreshold ?? 3);
}
