import { describe, expect, it } from "vitest";
import { fieldErrors } from "../inventory/inputs.ts";
import { CART_LINE_MAX_QUANTITY, CART_MAX_LINES, cartSchema } from "./cart-line.ts";

const line = { sku: "MUG", variantKey: "", quantity: 1 };
const errors = (value: unknown) => {
  const parsed = cartSchema.safeParse(value);
  return parsed.success ? [] : fieldErrors(parsed.error);
};

describe("the one cart-line schema", () => {
  it("takes 1..CART_MAX_LINES lines of 1..CART_LINE_MAX_QUANTITY units", () => {
    expect(
      errors({ lines: Array.from({ length: CART_MAX_LINES }, () => ({ ...line, quantity: CART_LINE_MAX_QUANTITY })) }),
    ).toEqual([]);
    expect(errors({ lines: [{ sku: "TEE", variantAttributes: { Size: "M" }, quantity: 2 }] })).toEqual([]);
  });

  it("names the field and the limit it broke", () => {
    expect(errors({ lines: [] })).toEqual([{ field: "lines", message: "must have at least one line" }]);
    expect(errors({ lines: Array.from({ length: CART_MAX_LINES + 1 }, () => line) })).toEqual([
      { field: "lines", message: `must have at most ${CART_MAX_LINES} lines` },
    ]);
    expect(errors({ lines: [{ ...line, quantity: CART_LINE_MAX_QUANTITY + 1 }] })).toEqual([
      { field: "lines.0.quantity", message: `must be at most ${CART_LINE_MAX_QUANTITY}` },
    ]);
    expect(errors({ lines: [{ ...line, quantity: 1.5 }] })).toEqual([
      { field: "lines.0.quantity", message: "must be a whole number" },
    ]);
    expect(errors({ lines: [{ ...line, variantKey: "Size=M" }] }).map((e) => e.field)).toEqual(["lines.0.variantKey"]);
    expect(errors({ lines: [{ ...line, sku: " " }] }).map((e) => e.field)).toEqual(["lines.0.sku"]);
  });
});
