/** The cart lives in a cookie: readable by server pages, written by the browser. */
export const CART_COOKIE = "cmp_cart";
