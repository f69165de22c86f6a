// The shop's merchandising, keyed by the `productId` the inventory store keeps
// with each variant. Stock and variants come from the store; a product the
// store stocks but this catalogue does not describe is not sold (no price).
// No server imports: client components format prices with it too.
import type { CatalogueEntry, ShopCatalogue } from "@acme/platform-core/universal";

export type ProductArt = "tee" | "mug" | "cap";

export interface BcdProduct extends CatalogueEntry {
  /** One line under the name on the index. */
  tagline: string;
  description: string;
  /** The spec sheet on the product page. */
  specs: Array<[label: string, value: string]>;
  /** Which drawing the product is shown with (no image files in the demo). */
  art: ProductArt;
}

export const CURRENCY = "eur";

const PRODUCTS: Record<string, BcdProduct> = {
  "field-cap": {
    name: "Six-panel field cap",
    unitAmount: 3400,
    tagline: "Waxed cotton, brass buckle.",
    description:
      "A waxed-cotton crown that sheds a shower, a brim that keeps its curve, and a brass buckle you can work with cold fingers. Made in a run of one.",
    specs: [
      ["Shell", "Waxed cotton, 8 oz"],
      ["Closure", "Brass slide buckle"],
      ["Fit", "One size, 55–60 cm"],
    ],
    art: "cap",
  },
  "enamel-mug": {
    name: "Enamel camp mug",
    unitAmount: 1800,
    tagline: "Steel under glass-hard enamel.",
    description:
      "Pressed steel with a glass-hard enamel coat and a rolled stainless rim. It goes on the fire, in the pack and through the dishwasher, and it will outlast all three.",
    specs: [
      ["Volume", "350 ml"],
      ["Body", "Enamelled steel"],
      ["Weight", "190 g"],
    ],
    art: "mug",
  },
  "linen-tee": {
    name: "Camp linen tee",
    unitAmount: 4200,
    tagline: "Linen-cotton jersey, garment-dyed.",
    description:
      "A heavyweight linen and cotton jersey, garment-dyed and cut square, to wear alone in August and under a shell in October.",
    specs: [
      ["Fabric", "55% linen, 45% cotton"],
      ["Weight", "220 g/m²"],
      ["Fit", "Boxy, dropped shoulder"],
    ],
    art: "tee",
  },
};

export const catalogue = {
  currency: CURRENCY,
  product: (productId: string): BcdProduct | undefined =>
    Object.hasOwn(PRODUCTS, productId) ? PRODUCTS[productId] : undefined,
} satisfies ShopCatalogue<BcdProduct>;

const PRICE = new Intl.NumberFormat("en-IE", { style: "currency", currency: CURRENCY.toUpperCase() });

export function formatPrice(unitAmount: number): string {
  return PRICE.format(unitAmount / 100);
}

/** Colours of the `color` attribute, for drawings and swatches. */
export const COLOURS: Record<string, string> = {
  coral: "#ef7a5d",
  navy: "#1f3357",
};
