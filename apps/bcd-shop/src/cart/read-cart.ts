import { decodeCartCookie, type CartCookieLine } from "@acme/platform-core/universal";
import { cookies } from "next/headers";
import { CART_COOKIE } from "./cart-cookie-name.ts";

/** The buyer's cart, from the request's cookie (server components). */
export async function readCart(): Promise<CartCookieLine[]> {
  return decodeCartCookie((await cookies()).get(CART_COOKIE)?.value);
}
