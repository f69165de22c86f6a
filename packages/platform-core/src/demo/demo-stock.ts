import type { StockItemInput } from "../inventory/types.ts";

/**
 * Stock the demo starts with. Only stock lives in the inventory store (by
 * shop, sku and variant); names, prices and pictures are the shop's own
 * catalogue (`apps/cover-me-pretty/src/catalogue/`), keyed by `productId`.
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

function sizes(
  sku: string,
  productId: string,
  extra: Record<string, string>,
  quantities: Record<string, number>,
  lowStockThreshold = 3,
): StockItemInput[] {
  return Object.entries(quantities).map(([size, quantity]) => ({
    sku,
    productId,
    variantAttributes: { ...extra, size },
    quantity,
    lowStockThreshold,
  }));
}

export const DEMO_SHOPS: readonly DemoShop[] = [
  {
    shopId: DEMO_SHOP_ID,
    items: [
      // One unit left of one variant: the "last unit" two buyers race for.
      ...sizes("CMP-TEE-CORAL", "linen-tee", { color: "coral" }, { s: 4, m: 1, l: 6 }),
      ...sizes("CMP-TEE-SAGE", "linen-tee", { color: "sage" }, { s: 12, m: 9, l: 0 }),
      ...sizes("CMP-SLIP-SAND", "silk-slip-dress", { color: "sand" }, { xs: 2, s: 3, m: 5 }),
      ...sizes("CMP-SLIP-NOIR", "silk-slip-dress", { color: "noir" }, { xs: 0, s: 2, m: 7 }),
      ...sizes("CMP-CARDI-OAT", "cloud-cardigan", { color: "oat" }, { "s/m": 8, "l/xl": 2 }),
      { sku: "CMP-TOTE", productId: "canvas-tote", quantity: 40, lowStockThreshold: 5 },
      { sku: "CMP-SCARF-RUST", productId: "wool-scarf", variantAttributes: { color: "rust" }, quantity: 3, lowStockThreshold: 3 },
      { sku: "CMP-SCARF-MOSS", productId: "wool-scarf", variantAttributes: { color: "moss" }, quantity: 0, lowStockThreshold: 3 },
    ],
  },
  {
    shopId: SECOND_DEMO_SHOP_ID,
    // Shares a sku with cover-me-pretty but not its stock: coral M is plentiful here while cover-me-pretty has one left.
    items: [
      ...sizes("CMP-TEE-CORAL", "linen-tee", { color: "coral" }, { s: 50, m: 50, l: 50 }),
      { sku: "BCD-MUG", productId: "enamel-mug", quantity: 25, lowStockThreshold: 5 },
      { sku: "BCD-CAP", productId: "field-cap", variantAttributes: { color: "navy" }, quantity: 1, lowStockThreshold: 2 },
    ],
  },
];
