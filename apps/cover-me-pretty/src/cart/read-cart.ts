import { cookies } from "next/headers";
import { CART_COOKIE, parseCartCookie, type CartLine } from "./cart-cookie.ts";

/** The buyer's cart, from the request's cookie (server components). */
export async function readCart(): Promise<CartLine[]> {
  const jar = await cookies();
  return parseCartCookie(jar.get(CART_COOKIE)?.value);
}
