import type { StockItemInput } from "../inventory/types.ts";
import { variantLabel } from "../variants/variant-label.ts";

/**
 * Stock the demo starts with, titled as operators see it in the CMS. Prices,
 * descriptions and pictures are the shop's own catalogue
 * (`apps/cover-me-pretty/src/catalogue/`), keyed by `productId`.
 */
export interface DemoShop {
  shopId: string;
  items: StockItemInput[];
}

/** The shop the demo storefront sells from. */
export const DEMO_SHOP_ID = "cover-me-pretty";
/** A second shop that stocks some of the same skus, to show shops never see each other's stock. */
export const SECOND_DEMO_SHOP_ID = "bcd-shop";

/** The demo operator (admin of every demo shop), printed by `pnpm start`. */
export const DEMO_OPERATOR = { email: "ops@acme.test", password: "demo-password-123", role: "admin" } as const;

/** Product titles, as the shops' catalogues name them. */
const TITLES: Record<string, string> = {
  "linen-tee": "Linen tee",
  "silk-slip-dress": "Silk slip dress",
  "cloud-cardigan": "Cloud cardigan",
  "canvas-tote": "Canvas tote",
  "wool-scarf": "Wool scarf",
  "enamel-mug": "Enamel mug",
  "field-cap": "Field cap",
};

/** One variant, titled: the product's title and the variant's values ("Coral / M"), in display case. */
function item(
  sku: string,
  productId: string,
  variantAttributes: Record<string, string>,
  quantity: number,
  lowStockThreshold: number,
): StockItemInput {
  return {
    sku,
    productId,
    productTitle: TITLES[productId] ?? productId,
    variantTitle: variantLabel(variantAttributes),
    variantAttributes,
    quantity,
    lowStockThreshold,
  };
}

function sizes(
  sku: string,
  productId: string,
  extra: Record<string, string>,
  quantities: Record<string, number>,
  lowStockThreshold = 3,
): StockItemInput[] {
  return Object.entries(quantities).map(([size, quantity]) =>
    item(sku, productId, { ...extra, size }, quantity, lowStockThreshold),
  );
}

/** A drop: at most `limit` units of each variant per checkout and per buyer. */
function limited(items: StockItemInput[], limit: number): StockItemInput[] {
  return items.map((entry) => ({ ...entry, purchaseLimit: limit }));
}

export const DEMO_SHOPS: readonly DemoShop[] = [
  {
    shopId: DEMO_SHOP_ID,
    items: [
      // One unit left of one variant: the "last unit" two buyers race for.
      ...sizes("CMP-TEE-CORAL", "linen-tee", { color: "Coral" }, { S: 4, M: 1, L: 6 }),
      // Sage S and M are a drop, 2 per buyer: a third unit is refused however it is asked for.
      ...limited(sizes("CMP-TEE-SAGE", "linen-tee", { color: "Sage" }, { S: 12, M: 9 }), 2),
      ...sizes("CMP-TEE-SAGE", "linen-tee", { color: "Sage" }, { L: 0 }),
      ...sizes("CMP-SLIP-SAND", "silk-slip-dress", { color: "Sand" }, { XS: 2, S: 3, M: 5 }),
      ...sizes("CMP-SLIP-NOIR", "silk-slip-dress", { color: "Noir" }, { XS: 0, S: 2, M: 7 }),
      ...sizes("CMP-CARDI-OAT", "cloud-cardigan", { color: "Oat" }, { "S/M": 8, "L/XL": 2 }),
      item("CMP-TOTE", "canvas-tote", {}, 40, 5),
      item("CMP-SCARF-RUST", "wool-scarf", { color: "Rust" }, 3, 3),
      item("CMP-SCARF-MOSS", "wool-scarf", { color: "Moss" }, 0, 3),
    ],
  },
  {
    shopId: SECOND_DEMO_SHOP_ID,
    // Shares a sku with cover-me-pretty but not its stock: coral M is plentiful here while cover-me-pretty has one
    // left.
    items: [
      ...sizes("CMP-TEE-CORAL", "linen-tee", { color: "Coral" }, { S: 50, M: 50, L: 50 }),
      item("BCD-MUG", "enamel-mug", {}, 25, 5),
      item("BCD-CAP", "field-cap", { color: "Navy" }, 1, 2),
    ],
  },
];
