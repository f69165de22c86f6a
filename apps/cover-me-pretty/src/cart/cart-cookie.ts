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

/** Reads a cart cookie value; anything unreadable is an empty cart. */
export function parseCartCookie(value: string | undefined): CartLine[] {
  if (!value) return [];
  try {
    const parsed = cartSchema.safeParse(JSON.parse(decodeURIComponent(value)));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export function serialiseCart(lines: CartLine[]): string {
  return encodeURIComponent(JSON.stringify(lines));
}
