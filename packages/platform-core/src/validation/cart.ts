import { cartSchema, type Cart } from "../cart/cart-line.ts";
import { parseOrThrow } from "../inventory/inputs.ts";

export type { Cart, CartLine } from "../cart/cart-line.ts";

/** Validates a cart, throwing `validation_failed` with field paths like `lines.1.quantity`. */
export function parseCart(cart: unknown): Cart {
  return parseOrThrow(cartSchema, cart);
}
