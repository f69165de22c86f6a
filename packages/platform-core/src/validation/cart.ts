import { z } from "zod";
import { skuSchema, productIdSchema, variantAttributesSchema, parseOrThrow } from "../inventory/inputs.ts";
import { MAX_QUANTITY } from "../inventory/types.ts";

/** One line of a shopper's cart as shops send it. */
export const cartLineSchema = z.object({
  sku: skuSchema,
  productId: productIdSchema.optional(),
  quantity: z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
  variantAttributes: variantAttributesSchema.optional(),
});

export const cartSchema = z.object({
  lines: z.array(cartLineSchema).min(1, "must have at least one line").max(500, "must have at most 500 lines"),
});

export type CartLine = z.infer<typeof cartLineSchema>;
export type Cart = z.infer<typeof cartSchema>;

/** Validates a cart, throwing `validation_failed` with field paths like `lines.1.quantity`. */
export function parseCart(cart: unknown): Cart {
  return parseOrThrow(cartSchema, cart);
}
