import { describe, expect, it } from "vitest";
import {
  compareVariantAttributes,
  sizeRank,
  variantDisplayName,
  variantLabel,
  variantTitles,
} from "./variant-label.ts";

describe("variantLabel", () => {
  it("shows values in their display case, colour first", () => {
    expect(variantLabel({ size: "M", color: "Coral" })).toBe("Coral / M");
    expect(variantLabel({ fit: "Slim", size: "l/xl" })).toBe("Slim / l/xl");
    expect(variantLabel({})).toBe("");
  });
});

describe("size order", () => {
  it("orders sizes as people do, whatever their case; unknown sizes last", () => {
    const sizes = ["XL", "s", "L", "one size", "M", "xs", "l/xl", "s/m"];
    expect([...sizes].sort((a, b) => sizeRank(a) - sizeRank(b))).toEqual([
      "xs",
      "s",
      "s/m",
      "M",
      "L",
      "l/xl",
      "XL",
      "one size",
    ]);
    expect(sizeRank(undefined)).toBe(-1);
  });

  it("orders variants by colour, then size", () => {
    const variants = [
      { color: "sand", size: "m" },
      { color: "coral", size: "l" },
      { color: "coral", size: "s" },
    ];
    expect([...variants].sort(compareVariantAttributes).map(variantLabel)).toEqual([
      "coral / s",
      "coral / l",
      "sand / m",
    ]);
    // "Colour" (any case, either spelling) is the colour too.
    const british = [
      { Colour: "Sand", Size: "S" },
      { Colour: "Coral", Size: "M" },
    ];
    expect([...british].sort(compareVariantAttributes).map(variantLabel)).toEqual(["Coral / M", "Sand / S"]);
  });
});

describe("variant titles", () => {
  it("uses the titles when set, else the product id and the attributes", () => {
    const item = { productId: "linen-tee", variantAttributes: { size: "M", color: "Coral" } };
    expect(variantTitles(item)).toEqual({ product: "linen-tee", variant: "Coral / M" });
    expect(variantTitles({ ...item, productTitle: "Linen tee", variantTitle: "Coral, medium" })).toEqual({
      product: "Linen tee",
      variant: "Coral, medium",
    });
    expect(variantTitles({ ...item, productTitle: "  ", variantTitle: "" })).toEqual({
      product: "linen-tee",
      variant: "Coral / M",
    });
    expect(variantDisplayName({ ...item, productTitle: "Linen tee" })).toBe("Linen tee — Coral / M");
    expect(variantDisplayName({ productId: "tote", productTitle: "Canvas tote", variantAttributes: {} })).toBe(
      "Canvas tote",
    );
  });
});
