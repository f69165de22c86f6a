import { DEMO_SHOP_ID, DEMO_SHOPS } from "@acme/platform-core/demo";
import { expect, it } from "vitest";
import { catalogueProduct } from "./catalogue.ts";
import { compareVariants, variantLabel } from "./variant-display.ts";

it("prices every product the demo stocks for this shop", () => {
  const stocked = new Set(DEMO_SHOPS.find((shop) => shop.shopId === DEMO_SHOP_ID)!.items.map((item) => item.productId));
  expect([...stocked].filter((productId) => !catalogueProduct(productId))).toEqual([]);
});

it("labels variants colour first and orders sizes small to large", () => {
  expect(variantLabel({ size: "m", color: "coral" })).toBe("coral / m");
  expect(variantLabel({})).toBe("");
  const sizes = ["l", "xs", "m", "s"].map((size) => ({ attributes: { color: "sand", size } }));
  expect(sizes.sort(compareVariants).map((variant) => variant.attributes.size)).toEqual(["xs", "s", "m", "l"]);
});
