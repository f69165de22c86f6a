// No server imports: the product page's client picker uses these too.
import { variantLabel, type StorefrontVariant } from "@acme/platform-core/universal";

/** A variant as this shop's pages show it. */
export interface DisplayVariant extends StorefrontVariant {
  /** "Coral / M"; "" for a product without variants. */
  label: string;
  /**
   * What tells it from the product's other variants ("M" when all are coral); its whole label when it is the only one.
   */
  pick: string;
  /** The `color` attribute, lower-cased (a key of `COLOURS`), or null. */
  colour: string | null;
}

/**
 * A product's variants for display; `shared` is what they all have in common ("Coral"), when they differ in something
 * else.
 */
export function displayVariants(variants: StorefrontVariant[]): { variants: DisplayVariant[]; shared: string } {
  const keys = new Set(variants.flatMap((variant) => Object.keys(variant.attributes)));
  const varying = [...keys].filter((key) => new Set(variants.map((variant) => variant.attributes[key])).size > 1);
  const only = (variant: StorefrontVariant, wanted: (key: string) => boolean) =>
    Object.fromEntries(Object.entries(variant.attributes).filter(([key]) => wanted(key)));
  return {
    variants: variants.map((variant) => {
      const colour = Object.entries(variant.attributes).find(([key]) => key.toLowerCase() === "color")?.[1];
      const label = variantLabel(variant.attributes);
      return {
        ...variant,
        label,
        pick: varying.length ? variantLabel(only(variant, (key) => varying.includes(key))) : label,
        colour: colour ? colour.toLowerCase() : null,
      };
    }),
    shared: varying.length && variants[0] ? variantLabel(only(variants[0], (key) => !varying.includes(key))) : "",
  };
}

/** "Last N" when a variant is at or under its low-stock threshold (3 when it has none). */
export function isLowStock({
  available,
  lowStockThreshold,
}: {
  available: number;
  lowStockThreshold: number | null;
}): boolean {
  return available > 0 && available <= (lowStockThreshold ?? 3);
}
