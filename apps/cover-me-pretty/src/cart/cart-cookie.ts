import { z } from "zod";

/** The cart lives in a cookie: readable by server pages, written by the browser. */
export const CART_COOKIE = "cmp_cart";

export const cartLineSchema = z.object({
  sku: z.string().min(1).max(128),
  variantKey: z.string().max(2048),
  quantity: z.number().int().min(1).max(99),
});

export type CartLine = z.infer<typeof cartLineSchema>;

const cartSchema = z.array(cartLineSchema).max(50);

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

/** Reads a cart cookie value; anything unreadable is an empty cart. */
export function parseCartCookie(value: string | undefined): CartLine[] {
  if (!value) return [];
  try {
    const parsed = cartSchema.safeParse(JSON.parse(fromBase64Url(value)));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export function serialiseCart(lines: CartLine[]): string {
  return toBase64Url(JSON.stringify(lines));
}

/** Units in the cart (the header's count). */
export function cartUnits(lines: CartLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity, 0);
}
