// How a variant is shown and ordered, everywhere (shop, CMS, alerts). Pure
// functions with no server imports: browser components import them through
// the `@acme/platform-core/variants` entry.
import type { VariantAttributes } from "./variant-key.ts";

/** The map key of a variant (sku and variant key), for browser code too. */
export { refId } from "../inventory/types.ts";

/** Sizes as people order them; values compare lower-cased, so "M" and "m" rank alike. */
export const SIZE_SCALE = [
  "xxxs",
  "xxs",
  "xs",
  "xs/s",
  "s",
  "s/m",
  "m",
  "m/l",
  "l",
  "l/xl",
  "xl",
  "xl/xxl",
  "xxl",
  "xxxl",
] as const;

const isColour = (name: string) => name.toLowerCase() === "color" || name.toLowerCase() === "colour";

/** Colour first, then the other attributes by name. */
function attributeOrder(a: string, b: string): number {
  return Number(!isColour(a)) - Number(!isColour(b)) || a.localeCompare(b);
}

function colourOf(attributes: VariantAttributes): string {
  const name = Object.keys(attributes).find(isColour);
  return name === undefined ? "" : (attributes[name] ?? "");
}

/** "coral / m": the values in display case, colour first; "" for a product without variants. */
export function variantLabel(attributes: VariantAttributes): string {
  return Object.keys(attributes)
    .sort(attributeOrder)
    .map((name) => attributes[name])
    .join(" / ");
}

/** Position of a size on the scale; unknown sizes after every known one. */
export function sizeRank(size: string | undefined): number {
  if (size === undefined) return -1;
  const index = (SIZE_SCALE as readonly string[]).indexOf(size.trim().toLowerCase());
  return index === -1 ? SIZE_SCALE.length : index;
}

/** Variants of one product as buyers and operators expect: by colour, then size small to large, then the label. */
export function compareVariantAttributes(a: VariantAttributes, b: VariantAttributes): number {
  const color = colourOf(a).localeCompare(colourOf(b));
  if (color !== 0) return color;
  return sizeRank(a.size) - sizeRank(b.size) || variantLabel(a).localeCompare(variantLabel(b));
}

/** Most characters a product or variant title may have. */
export const TITLE_MAX_LENGTH = 200;

/** What names a variant: its titles when set, else its product id and attributes. */
export interface TitledVariant {
  productId: string;
  productTitle?: string;
  variantTitle?: string;
  variantAttributes: VariantAttributes;
}

/**
 * The names people see for a variant: the product title (or, until one is
 * set, the product id) and the variant title (or its attributes, colour
 * first, as `variantLabel` joins them; "" for a product without variants).
 */
export function variantTitles(item: TitledVariant): { product: string; variant: string } {
  return {
    product: item.productTitle?.trim() || item.productId,
    variant: item.variantTitle?.trim() || variantLabel(item.variantAttributes),
  };
}

/** "Linen tee — Coral / M", or the product alone for a product without variants. */
export function variantDisplayName(item: TitledVariant): string {
  const { product, variant } = variantTitles(item);
  return variant ? `${product} — ${variant}` : product;
}
