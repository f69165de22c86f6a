import { describe, expect, it } from "vitest";
import { CART_MAX_LINES } from "../cart/cart-line.ts";
import { variantKey } from "../variants/variant-key.ts";
import { addCartLine, cartUnits, decodeCartCookie, encodeCartCookie } from "./cart-cookie.ts";

describe("the cart cookie", () => {
  it("round-trips any variant's key, whether or not the reader percent-decodes first", () => {
    const lines = [
      { sku: "CMP-TEE", variantKey: variantKey({ color: "Coral", size: "L/XL" }), quantity: 2 },
      { sku: "MUG", variantKey: variantKey({ glaze: "Crème brûlée ☕" }), quantity: 1 },
    ];
    const value = encodeCartCookie(lines);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCartCookie(value)).toEqual(lines);
    expect(decodeCartCookie(decodeURIComponent(value))).toEqual(lines);
    expect(cartUnits(lines)).toBe(3);
  });

  it("reads anything it did not write as an empty cart", () => {
    const line = { sku: "MUG", variantKey: "", quantity: 1 };
    for (const value of [
      undefined,
      "",
      "%",
      "not base64!",
      encodeCartCookie([{ ...line, quantity: 0 }]),
      encodeCartCookie([{ ...line, variantKey: "Size=M" }]),
    ]) {
      expect(decodeCartCookie(value), String(value)).toEqual([]);
    }
    const tooLong = Array.from({ length: CART_MAX_LINES + 1 }, (_, i) => ({ ...line, sku: `SKU-${i}` }));
    expect(decodeCartCookie(encodeCartCookie(tooLong))).toEqual([]);
    expect(decodeCartCookie(encodeCartCookie(tooLong.slice(1)))).toHaveLength(CART_MAX_LINES);
  });
});

describe("addCartLine", () => {
  const mug = { sku: "MUG", variantKey: "", quantity: 2 };

  it("merges into the variant's line up to the line's maximum, leaving the cart it was given alone", () => {
    const lines = [mug];
    expect(addCartLine(lines, { ...mug, quantity: 3 })).toEqual([{ ...mug, quantity: 5 }]);
    expect(addCartLine(lines, { ...mug, quantity: 200 }, 99)).toEqual([{ ...mug, quantity: 99 }]);
    expect(addCartLine(lines, { sku: "CAP", variantKey: "", quantity: 1 })).toEqual([
      mug,
      { sku: "CAP", variantKey: "", quantity: 1 },
    ]);
    expect(lines).toEqual([mug]);
  });

  it("refuses a line the codec could not read back (the whole cart would be lost), but still merges into a full cart", () => {
    const full = Array.from({ length: CART_MAX_LINES }, (_, i) => ({ ...mug, sku: `SKU-${i}` }));
    expect(addCartLine(full, mug)).toBeUndefined();
    const merged = addCartLine(full, { ...mug, sku: "SKU-0" })!;
    expect(merged[0]!.quantity).toBe(4);
    expect(decodeCartCookie(encodeCartCookie(merged))).toHaveLength(CART_MAX_LINES);
  });
});
