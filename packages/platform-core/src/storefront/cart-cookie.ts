import { z } from "zod";
import { CART_LINE_MAX_QUANTITY, CART_MAX_LINES, cartLineSchema } from "../cart/cart-line.ts";
import { variantKeySchema } from "../inventory/inputs.ts";

/**
 * A line of a buyer's cart as a shop keeps it in a cookie: the variant by its
 * canonical key. The same limits as every other cart line (`cartLineSchema`).
 */
export const cartCookieLineSchema = cartLineSchema
  .pick({ sku: true, quantity: true })
  .extend({ variantKey: variantKeySchema });

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

/** Most bytes of a cookie's name and value a browser keeps (RFC 6265's minimum, which browsers hold to). */
export const COOKIE_MAX_BYTES = 4096;

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

/**
 * A cart kept in a browser cookie: what a shop's client components change when the buyer adds or edits a line.
 * Its functions are free-standing (a shop may hand them on as they are).
 */
export interface CookieCart {
  read: () => CartCookieLine[];
  /**
   * Adds units of a variant, merged into its line when there is one. False (nothing changed) when the cart is full:
   * `CART_MAX_LINES` lines, or a cookie the browser would not keep (4,096 bytes).
   */
  add: (line: CartCookieLine) => boolean;
  /** Sets a line's quantity; 0 removes the line. */
  setQuantity: (sku: string, variantKey: string, quantity: number) => void;
  clear: () => void;
}

/**
 * The cart after adding a line: merged into the same variant's line (at most `maxLineQuantity`), or undefined when
 * the cart is full.
 */
export function addCartLine(
  lines: CartCookieLine[],
  line: CartCookieLine,
  maxLineQuantity: number = CART_LINE_MAX_QUANTITY,
): CartCookieLine[] | undefined {
  const existing = lines.findIndex((entry) => entry.sku === line.sku && entry.variantKey === line.variantKey);
  if (existing >= 0) {
    return lines.map((entry, index) =>
      index === existing ? { ...entry, quantity: Math.min(entry.quantity + line.quantity, maxLineQuantity) } : entry,
    );
  }
  // One line more than the codec reads back would empty the whole cart on the next read.
  if (lines.length >= CART_MAX_LINES) return undefined;
  return [...lines, { ...line, quantity: Math.min(line.quantity, maxLineQuantity) }];
}

/**
 * The buyer's cart in the cookie `name` (30 days, the whole site, SameSite=Lax),
 * read and written through `document.cookie` with the codec the shop's server
 * pages read. Call it from client components only.
 */
export function createCookieCart(name: string, options: { maxLineQuantity?: number } = {}): CookieCart {
  const read = () => {
    const entry = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
    return decodeCartCookie(entry?.slice(name.length + 1));
  };
  // Browsers drop a cookie whose name and value pass 4,096 bytes, without a word: such a cart is refused as full.
  const write = (lines: CartCookieLine[]): boolean => {
    const value = lines.length ? encodeCartCookie(lines) : "";
    if (name.length + 1 + value.length > COOKIE_MAX_BYTES) return false;
    document.cookie = `${name}=${value}; Path=/; Max-Age=${lines.length ? 60 * 60 * 24 * 30 : 0}; SameSite=Lax`;
    return true;
  };
  return {
    read,
    add: (line) => {
      const next = addCartLine(read(), line, options.maxLineQuantity);
      return next !== undefined && write(next);
    },
    setQuantity: (sku, variantKey, quantity) => {
      write(
        read()
          .map((line) => (line.sku === sku && line.variantKey === variantKey ? { ...line, quantity } : line))
          .filter((line) => line.quantity > 0),
      );
    },
    clear: () => void write([]),
  };
}
