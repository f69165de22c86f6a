import { DEMO_SHOPS, SECOND_DEMO_SHOP_ID } from "@acme/platform-core/demo";
import { expect, it } from "vitest";
import { catalogue, formatPrice } from "./catalogue.ts";
import { displayVariants } from "./variant-display.ts";

const stock = DEMO_SHOPS.find((shop) => shop.shopId === SECOND_DEMO_SHOP_ID)!.items;

it("prices every product the demo stocks for this shop, in whole cents above Stripe's euro minimum", () => {
  const productIds = [...new Set(stock.map((item) => item.productId))];
  expect(productIds.filter((productId) => !catalogue.product(productId))).toEqual([]);
  for (const productId of productIds) {
    const { unitAmount } = catalogue.product(productId)!;
    expect(Number.isInteger(unitAmount) && unitAmount >= 50, `${productId}: ${unitAmount}`).toBe(true);
  }
  expect(catalogue.product("silk-slip-dress")).toBeUndefined(); // cover-me-pretty's, not sold here
  expect(catalogue.product("constructor")).toBeUndefined();
  expect(formatPrice(3400)).toBe("€34.00");
});

it("names a variant on the picker by what tells it from the others", () => {
  const variant = (attributes: Record<string, string>) => ({
    sku: "T",
    variantKey: "",
    attributes,
    available: 1,
    lowStockThreshold: null,
    purchaseLimit: null,
  });
  const tees = displayVariants([variant({ color: "Coral", size: "S" }), variant({ color: "Coral", size: "M" })]);
  expect(tees.variants.map((entry) => [entry.pick, entry.label, entry.colour])).toEqual([
    ["S", "Coral / S", "coral"],
    ["M", "Coral / M", "coral"],
  ]);
  expect(tees.shared).toBe("Coral");
  const cap = displayVariants([variant({ color: "Navy" })]);
  expect([cap.variants[0]!.pick, cap.shared]).toEqual(["Navy", ""]);
  expect(displayVariants([variant({})]).variants[0]!.pick).toBe("");
});
