import { describe, expect, it } from "vitest";
import { variantKey } from "../variants/variant-key.ts";
import { decodeSaleLines, encodeSaleLines } from "./sale-lines.ts";

describe("sale lines in checkout metadata", () => {
  it("round-trips any sku and variant, including separators, and merges repeats", () => {
    const lines = [
      { sku: "SHOE~1;2", variantKey: variantKey({ size: "8~10" }), quantity: 1 },
      { sku: "A|B=C", variantKey: "", quantity: 3 },
      { sku: "SHOE~1;2", variantKey: variantKey({ size: "8~10" }), quantity: 2 },
    ];
    const decoded = decodeSaleLines(encodeSaleLines(lines));
    expect(decoded).toEqual([
      { sku: "A|B=C", variantKey: "", quantity: 3 },
      { sku: "SHOE~1;2", variantKey: variantKey({ size: "8~10" }), quantity: 3 },
    ]);
  });

  it("splits long carts into 500-character values and refuses what cannot fit", () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      sku: `SKU-${"X".repeat(40)}-${i}`,
      variantKey: "",
      quantity: 1,
    }));
    const metadata = encodeSaleLines(many)!;
    expect(Object.keys(metadata).length).toBeGreaterThan(1);
    expect(Object.values(metadata).every((value) => value.length <= 500)).toBe(true);
    expect(decodeSaleLines(metadata)).toHaveLength(60);
    const huge = Array.from({ length: 2000 }, (_, i) => ({
      sku: `SKU-${"X".repeat(60)}-${i}`,
      variantKey: "",
      quantity: 1,
    }));
    expect(encodeSaleLines(huge)).toBeUndefined();
  });

  it("reads tampered or foreign metadata as undecodable", () => {
    expect(decodeSaleLines({ inventory_lines_0: "not-base64-json" })).toBeUndefined();
    expect(decodeSaleLines({ inventory_lines_0: Buffer.from('[["A","",0]]').toString("base64url") })).toBeUndefined();
    expect(decodeSaleLines({})).toBeUndefined();
  });
});
