/**
 * The cookie the cart lives in (the library's codec, `encodeCartCookie`).
 * Its own name: cookies ignore ports, so on one host this shop's cart and
 * cover-me-pretty's would otherwise be one.
 */
export const CART_COOKIE = "bcd_cart";
