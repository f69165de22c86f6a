import { z } from "zod";
import { CART_MAX_LINES, cartQuantitySchema } from "../cart/cart-line.ts";
import { skuSchema, variantKeySchema } from "../inventory/inputs.ts";

/**
 * A line of a buyer's cart as a shop keeps it in a cookie: the variant by its
 * canonical key. The same limits as every other cart line (`cartLineSchema`).
 */
export const cartCookieLineSchema = z.object({
  sku: skuSchema,
  variantKey: variantKeySchema,
  quantity: cartQuantitySchema,
});

export type CartCookieLine = z.infer<typeof cartCookieLineSchema>;

const cartCookieSchema = z.array(cartCookieLineSchema).max(CART_MAX_LINES);

// The value is the cart's JSON as base64url. Its alphabet (A-Z a-z 0-9 - _)
// needs no escaping in a cookie and is left alone by percent-decoding, so the
// value reads the same whether or not a reader decodes it first: Next's
// cookies() decodes, document.cookie does not. (With percent-encoded JSON,
// the server decoded twice and a variant key such as `size=l%2Fxl`, the
// canonical key of "l/xl", came back as `size=l/xl`, which no store accepts.)
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function toBase64Url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(value: string): string {
  if (!BASE64URL.test(value)) throw new Error("not base64url");
  const binary = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

/** Reads a cart cookie's value; anything unreadable (edited, truncated, too long) is an empty cart. */
export function decodeCartCookie(value: string | undefined): CartCookieLine[] {
  if (!value) return [];
  try {
    const parsed = cartCookieSchema.safeParse(JSON.parse(fromBase64Url(value)));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The cookie value for a cart (base64url JSON). */
export function encodeCartCookie(lines: CartCookieLine[]): string {
  return toBase64Url(JSON.stringify(lines));
}

/** Units in the cart (a header's count). */
export function cartUnits(lines: CartCookieLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity, 0);
}
