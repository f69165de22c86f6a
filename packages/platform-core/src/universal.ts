// @acme/platform-core/universal: what runs anywhere (a browser, an edge
// runtime, Node). Nothing here imports a Node built-in, a database driver or
// Prisma; the edge worker's bundle test proves it.

export { ErrorCode } from "./errors/error-codes.ts";
export { httpStatusByCode } from "./errors/http-status.ts";
export { InventoryError, isInventoryError } from "./errors/inventory-error.ts";
export type { FieldError } from "./errors/inventory-error.ts";
export { errorResponse } from "./errors/error-response.ts";
export { toInventoryError } from "./errors/to-inventory-error.ts";

export { variantKey, cleanVariantAttributes } from "./variants/variant-key.ts";
export type { VariantAttributes } from "./variants/variant-key.ts";
export {
  compareVariantAttributes,
  refId,
  sizeRank,
  SIZE_SCALE,
  TITLE_MAX_LENGTH,
  variantDisplayName,
  variantLabel,
  variantTitles,
} from "./variants/variant-label.ts";
export type { TitledVariant } from "./variants/variant-label.ts";
export { LEDGER_REASONS, MAX_QUANTITY } from "./inventory/types.ts";
export { formatMinorAmount } from "./returns/format-minor-amount.ts";
export type { LedgerReason, VariantRef } from "./inventory/types.ts";

export {
  CART_LINE_MAX_QUANTITY,
  CART_MAX_LINES,
  cartLineSchema,
  cartLinesSchema,
  cartQuantitySchema,
  cartSchema,
} from "./cart/cart-line.ts";
export type { Cart, CartLine } from "./cart/cart-line.ts";
export { parseCart } from "./validation/cart.ts";
export type { InsufficientItem } from "./validation/validate-inventory-availability.ts";

export {
  checkoutTimes,
  HOLD_GRACE_SECONDS,
  SESSION_PREPARE_SECONDS,
  STRIPE_MIN_SESSION_SECONDS,
} from "./checkout/checkout-expiry.ts";
export type { CheckoutTimes } from "./checkout/checkout-expiry.ts";

export { InventoryAuthorityClient } from "./authority/inventory-authority-client.ts";
export type {
  AuthorityValidation,
  AuthorityValidationItem,
  InventoryAuthorityClientOptions,
} from "./authority/inventory-authority-client.ts";
export { AUTHORITY_MAX_BODY_BYTES } from "./authority/authority-limits.ts";

export { readBytes, readJsonBody, readText } from "./http/read-json-body.ts";
export {
  fieldErrors,
  parseOrThrow,
  productIdSchema,
  purchaseLimitSchema,
  shopIdSchema,
  skuSchema,
  titleSchema,
  variantAttributesSchema,
  variantKeySchema,
} from "./inventory/inputs.ts";

// A shop's cart cookie and what a cart page shows of its lines (browser and server alike).
export {
  addCartLine,
  cartCookieLineSchema,
  cartUnits,
  COOKIE_MAX_BYTES,
  createCookieCart,
  decodeCartCookie,
  encodeCartCookie,
} from "./storefront/cart-cookie.ts";
export type { CartCookieLine, CookieCart } from "./storefront/cart-cookie.ts";
export { cartFixes, cartLineState, cartLineStates, sellableTotal } from "./storefront/cart-line-state.ts";
export type { CartLineState, CartLineWithState } from "./storefront/cart-line-state.ts";
export type { ResolvedCartLine } from "./storefront/resolve-cart.ts";
export type { CatalogueEntry, ShopCatalogue, Storefront } from "./storefront/storefront-types.ts";
export type { StorefrontProduct, StorefrontVariant } from "./storefront/list-storefront-products.ts";
export { postCheckout, readCheckoutAnswer, UNREACHABLE_ANSWER } from "./storefront/checkout-answer.ts";
export type { CheckoutAnswer } from "./storefront/checkout-answer.ts";

export {
  ALLOCATION_STRATEGIES,
  DEFAULT_LOCATION,
  LOCATION_KINDS,
  locationCodeSchema,
} from "./locations/location-inputs.ts";
export type { AllocationStrategy, LocationKind } from "./locations/location-inputs.ts";
