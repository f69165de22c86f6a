/**
 * The shop's merchandising: names, prices and pictures, keyed by the
 * `productId` the inventory store keeps with each variant. Stock and variants
 * come from the inventory store; a product the store stocks but this
 * catalogue does not describe is not offered (it has no price).
 */
export interface CatalogueProduct {
  productId: string;
  name: string;
  description: string;
  /** Price of one unit in cents. */
  unitAmount: number;
  /** CSS background for the product picture (no image files in the demo). */
  picture: string;
}

export const CURRENCY = "usd";

/** Swatch colours for the `color` attribute, used for pictures and chips. */
export const SWATCHES: Record<string, string> = {
  coral: "#f0806a",
  sage: "#9caf88",
  sand: "#d9c3a0",
  noir: "#2b2b30",
  oat: "#e6dcc8",
  rust: "#b5532e",
  moss: "#6b7a3a",
  navy: "#233a66",
};

const PRODUCTS: CatalogueProduct[] = [
  {
    productId: "linen-tee",
    name: "Linen tee",
    description: "A boxy tee in washed European linen. Gets softer with every wash.",
    unitAmount: 3800,
    picture:
      "radial-gradient(circle at 30% 30%, #fff7 0 18%, transparent 19%), linear-gradient(135deg, #f0806a, #9caf88)",
  },
  {
    productId: "silk-slip-dress",
    name: "Silk slip dress",
    description: "Bias-cut sandwashed silk with adjustable straps.",
    unitAmount: 14900,
    picture: "repeating-linear-gradient(160deg, #d9c3a0 0 14px, #cdb48d 14px 28px), linear-gradient(#2b2b30, #2b2b30)",
  },
  {
    productId: "cloud-cardigan",
    name: "Cloud cardigan",
    description: "Brushed alpaca blend, dropped shoulders, horn buttons.",
    unitAmount: 11800,
    picture:
      "radial-gradient(circle at 70% 40%, #fff 0 10%, transparent 11%), radial-gradient(circle at 30% 60%, #fff 0 12%, transparent 13%), #e6dcc8",
  },
  {
    productId: "canvas-tote",
    name: "Canvas tote",
    description: "Heavy 16 oz canvas with a leather-reinforced base.",
    unitAmount: 2400,
    picture:
      "linear-gradient(90deg, transparent 44%, #8a6b4a 44% 56%, transparent 56%), linear-gradient(#efe6d2, #e2d4b5)",
  },
  {
    productId: "wool-scarf",
    name: "Wool scarf",
    description: "Lambswool, woven in Scotland, fringed ends.",
    unitAmount: 6500,
    picture: "repeating-linear-gradient(45deg, #b5532e 0 10px, #6b7a3a 10px 20px)",
  },
];

const BY_ID = new Map(PRODUCTS.map((product) => [product.productId, product]));

export function catalogueProduct(productId: string): CatalogueProduct | undefined {
  return BY_ID.get(productId);
}

export function formatPrice(unitAmount: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: CURRENCY.toUpperCase() }).format(
    unitAmount / 100,
  );
}
