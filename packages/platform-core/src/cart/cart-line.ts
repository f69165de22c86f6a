import { z } from "zod";
import { productIdSchema, skuSchema, variantAttributesSchema, variantKeySchema } from "../inventory/inputs.ts";
import { MAX_QUANTITY } from "../inventory/types.ts";

/**
 * Most lines in one cart. Stripe Checkout takes at most 100 line items per
 * session, so a longer cart could be held but never paid for; every surface
 * (shop, holds, validation, the authority, the edge worker) refuses it the same way.
 */
export const CART_MAX_LINES = 100;

/** Most units on one line: the stock ceiling, so any larger request could never be in stock. */
export const CART_LINE_MAX_QUANTITY = MAX_QUANTITY;

export const cartQuantitySchema = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(CART_LINE_MAX_QUANTITY, `must be at most ${CART_LINE_MAX_QUANTITY}`);

/**
 * One line of a cart, wherever a cart is sent: a sku, the variant by its
 * canonical key or by its attributes (attributes, when given, decide the
 * variant), and a quantity. Shops, holds, validation, the inventory authority
 * and the edge worker all read lines with this schema.
 */
export const cartLineSchema = z.object({
  sku: skuSchema,
  variantKey: variantKeySchema.optional(),
  variantAttributes: variantAttributesSchema.optional(),
  productId: productIdSchema.optional(),
  quantity: cartQuantitySchema,
});

/** A list of cart lines: at least one, at most `CART_MAX_LINES`. */
export function cartLinesSchema<T extends z.ZodType>(line: T) {
  return z
    .array(line)
    .min(1, "must have at least one line")
    .max(CART_MAX_LINES, `must have at most ${CART_MAX_LINES} lines`);
}

export const cartSchema = z.object({ lines: cartLinesSchema(cartLineSchema) });

export type CartLine = z.infer<typeof cartLineSchema>;
export type Cart = z.infer<typeof cartSchema>;
