import { stripeId } from "../api/ids.ts";
import type { FormObject, FormValue } from "../api/form-body.ts";
import { asBoolean, asInteger, asObject, asString, readMetadata, rejectUnknown, required } from "../api/read-params.ts";
import { invalidRequest } from "../api/stripe-api-error.ts";
import type { CouponBook } from "../discounts/coupon-book.ts";
import type { AppliedDiscount, LineItemRecord, SessionRecord } from "./checkout-session.ts";
import { minimumCharge, minorUnitFactor, readCurrency } from "./currencies.ts";

/**
 * Every top-level parameter Stripe's API accepts for this endpoint (from the
 * SDK's `SessionCreateParams`). Parameters outside this list are rejected as
 * Stripe rejects them; listed ones the emulator does not model are accepted
 * and ignored, so real integration code is never refused for using them.
 */
const KNOWN_PARAMS = new Set([
  "adaptive_pricing",
  "after_expiration",
  "allow_promotion_codes",
  "allowed_payment_method_types",
  "automatic_tax",
  "billing_address_collection",
  "branding_settings",
  "cancel_url",
  "client_reference_id",
  "consent_collection",
  "currency",
  "custom_fields",
  "custom_text",
  "customer",
  "customer_account",
  "customer_creation",
  "customer_email",
  "customer_update",
  "discounts",
  "excluded_payment_method_types",
  "expand",
  "expires_at",
  "integration_identifier",
  "invoice_creation",
  "line_items",
  "locale",
  "managed_payments",
  "metadata",
  "mode",
  "name_collection",
  "optional_items",
  "origin_context",
  "payment_intent_data",
  "payment_method_collection",
  "payment_method_configuration",
  "payment_method_data",
  "payment_method_options",
  "payment_method_types",
  "permissions",
  "phone_number_collection",
  "redirect_on_completion",
  "return_url",
  "saved_payment_method_options",
  "setup_intent_data",
  "shipping_address_collection",
  "shipping_options",
  "submit_type",
  "subscription_data",
  "success_url",
  "tax_id_collection",
  "ui_mode",
  "wallet_options",
]);
const LINE_ITEM_PARAMS = new Set([
  "adjustable_quantity",
  "dynamic_tax_rates",
  "metadata",
  "price",
  "price_data",
  "quantity",
  "tax_rates",
]);
const PRICE_DATA_PARAMS = new Set([
  "currency",
  "product",
  "product_data",
  "recurring",
  "tax_behavior",
  "unit_amount",
  "unit_amount_decimal",
]);
const PRODUCT_DATA_PARAMS = new Set(["description", "images", "metadata", "name", "tax_code", "unit_label"]);
const DISCOUNT_PARAMS = new Set(["coupon", "promotion_code"]);

/** Sessions last between 30 minutes and 24 hours; 24 hours by default. */
export const MIN_SESSION_SECONDS = 30 * 60;
export const MAX_SESSION_SECONDS = 24 * 60 * 60;

function readUrl(value: FormValue | undefined, param: string): string | null {
  const text = asString(value, param);
  if (text === undefined || text === "") return null;
  // Validate a copy with the template filled, but keep the raw text: Stripe
  // substitutes `{CHECKOUT_SESSION_ID}` literally when redirecting.
  let url: URL;
  try {
    url = new URL(text.replaceAll("{CHECKOUT_SESSION_ID}", "cs_test_x"));
  } catch {
    throw invalidRequest("Not a valid URL", param, "url_invalid");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalidRequest("Not a valid URL", param, "url_invalid");
  return text;
}

function readLineItem(value: FormValue, index: number): LineItemRecord {
  const prefix = `line_items[${index}]`;
  const item = required(asObject(value, prefix), prefix);
  rejectUnknown(item, LINE_ITEM_PARAMS, prefix);
  const priceId = asString(item.price, `${prefix}[price]`);
  if (priceId !== undefined) {
    // The emulator has no Price objects: only inline price_data exists here.
    throw invalidRequest(`No such price: '${priceId}'`, `${prefix}[price]`, "resource_missing");
  }
  const priceData = asObject(item.price_data, `${prefix}[price_data]`);
  if (priceData === undefined) {
    throw invalidRequest(`You must specify either \`price\` or \`price_data\` in ${prefix}.`, prefix);
  }
  rejectUnknown(priceData, PRICE_DATA_PARAMS, `${prefix}[price_data]`);
  if (priceData.recurring !== undefined) {
    throw invalidRequest(
      "You must provide at least one recurring price in `subscription` mode when using prices.",
      `${prefix}[price_data][recurring]`,
    );
  }
  const currency = readCurrency(priceData.currency, `${prefix}[price_data][currency]`);
  const productId = asString(priceData.product, `${prefix}[price_data][product]`);
  if (productId !== undefined) {
    throw invalidRequest(`No such product: '${productId}'`, `${prefix}[price_data][product]`, "resource_missing");
  }
  const productData = required(
    asObject(priceData.product_data, `${prefix}[price_data][product_data]`),
    `${prefix}[price_data][product_data]`,
  );
  rejectUnknown(productData, PRODUCT_DATA_PARAMS, `${prefix}[price_data][product_data]`);
  const name = required(
    asString(productData.name, `${prefix}[price_data][product_data][name]`),
    `${prefix}[price_data][product_data][name]`,
  );
  const description = asString(productData.description, `${prefix}[price_data][product_data][description]`) ?? null;

  let unitAmount = asInteger(priceData.unit_amount, `${prefix}[price_data][unit_amount]`);
  const decimal = asString(priceData.unit_amount_decimal, `${prefix}[price_data][unit_amount_decimal]`);
  if (unitAmount === undefined && decimal !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(decimal))
      throw invalidRequest(`Invalid decimal: ${decimal}`, `${prefix}[price_data][unit_amount_decimal]`);
    unitAmount = Number(decimal);
  }
  if (unitAmount === undefined) {
    throw invalidRequest(
      `Missing required param: ${prefix}[price_data][unit_amount].`,
      `${prefix}[price_data][unit_amount]`,
    );
  }
  if (unitAmount < 0) {
    throw invalidRequest("This value must be greater than or equal to 0.", `${prefix}[price_data][unit_amount]`);
  }
  const quantity = required(asInteger(item.quantity, `${prefix}[quantity]`), `${prefix}[quantity]`);
  if (quantity < 0 || quantity > 999_999) {
    throw invalidRequest("This value must be between 0 and 999999.", `${prefix}[quantity]`);
  }
  if (quantity === 0) {
    throw invalidRequest("Quantity must be greater than 0.", `${prefix}[quantity]`);
  }
  return {
    id: stripeId("li", 24),
    priceId: stripeId("price", 24),
    productId: stripeId("prod", 14),
    name,
    description,
    productMetadata: readMetadata(productData.metadata, `${prefix}[price_data][product_data][metadata]`),
    currency,
    unitAmount: Math.round(unitAmount),
    quantity,
  };
}

/**
 * `discounts`: at most one (the SDK: "Currently, only up to one may be
 * specified"), each a `coupon` id or a `promotion_code` id.
 */
function readDiscount(
  value: FormValue | undefined,
  coupons: CouponBook,
  currency: string,
  subtotal: number,
): AppliedDiscount | null {
  if (value === undefined || value === "") return null;
  if (!Array.isArray(value)) throw invalidRequest("Invalid array", "discounts");
  if (value.length === 0) return null;
  if (value.length > 1) throw invalidRequest("A Checkout Session can have only one discount.", "discounts");
  const entry = required(asObject(value[0], "discounts[0]"), "discounts[0]");
  rejectUnknown(entry, DISCOUNT_PARAMS, "discounts[0]");
  const couponId = asString(entry.coupon, "discounts[0][coupon]") || undefined;
  const promotionCodeId = asString(entry.promotion_code, "discounts[0][promotion_code]") || undefined;
  if (couponId !== undefined && promotionCodeId !== undefined) {
    throw invalidRequest("You may only specify one of these parameters: coupon, promotion_code.", "discounts[0]");
  }
  if (couponId === undefined && promotionCodeId === undefined) {
    throw invalidRequest("You must specify either `coupon` or `promotion_code` in discounts[0].", "discounts[0]");
  }
  return coupons.discountFor({
    ...(couponId === undefined ? {} : { couponId }),
    ...(promotionCodeId === undefined ? {} : { promotionCodeId }),
    currency,
    subtotal,
    param: couponId === undefined ? "discounts[0][promotion_code]" : "discounts[0][coupon]",
  });
}

/**
 * Stripe's minimum charge applies to what the buyer pays: a total of 0 is a
 * no-cost order (free lines or a 100% discount) and is accepted; a total
 * above 0 but under the currency's minimum is `amount_too_small`.
 */
export function checkMinimumCharge(total: number, currency: string): void {
  const minimum = minimumCharge(currency);
  if (total === 0 || total >= minimum) return;
  const factor = minorUnitFactor(currency);
  throw invalidRequest(
    `The Checkout Session's total amount due must add up to at least ${(minimum / factor).toFixed(Math.log10(factor))} ${currency}`,
    "line_items",
    "amount_too_small",
  );
}

/**
 * Validates `POST /v1/checkout/sessions` parameters exactly where the
 * integration depends on them (line items, expiry window, metadata, URLs) and
 * builds the stored session.
 */
export function createCheckoutSession({
  params,
  now,
  publicUrl,
  coupons,
}: {
  params: FormObject;
  /** Seconds since the epoch. */
  now: number;
  publicUrl: string;
  /** Where `discounts` look their coupons and promotion codes up. */
  coupons: CouponBook;
}): SessionRecord {
  rejectUnknown(params, KNOWN_PARAMS, "");
  const mode = asString(params.mode, "mode") ?? "payment";
  if (mode !== "payment") {
    if (mode === "subscription" || mode === "setup") {
      throw invalidRequest(`The Stripe emulator supports mode=payment only, not mode=${mode}.`, "mode");
    }
    throw invalidRequest(`Invalid mode: must be one of payment, setup, or subscription`, "mode");
  }
  // The pinned API version's values (the SDK's SessionCreateParams.UiMode); the default is hosted_page.
  const uiMode = asString(params.ui_mode, "ui_mode");
  if (uiMode !== undefined && uiMode !== "hosted_page") {
    if (uiMode === "elements" || uiMode === "embedded_page" || uiMode === "form") {
      throw invalidRequest(`The Stripe emulator supports the hosted page only, not ui_mode=${uiMode}.`, "ui_mode");
    }
    throw invalidRequest("Invalid ui_mode: must be one of elements, embedded_page, form, or hosted_page", "ui_mode");
  }

  const rawItems = params.line_items;
  if (rawItems === undefined || rawItems === "" || (Array.isArray(rawItems) && rawItems.length === 0)) {
    throw invalidRequest("`line_items` is required in `payment` mode.", "line_items");
  }
  if (!Array.isArray(rawItems)) throw invalidRequest("Invalid array", "line_items");
  if (rawItems.length > 100) {
    throw invalidRequest("`line_items` cannot contain more than 100 items in `payment` mode.", "line_items");
  }
  const lineItems = rawItems.map((item, index) => readLineItem(item, index));
  const currency = (lineItems[0] as LineItemRecord).currency;
  const otherCurrency = lineItems.findIndex((line) => line.currency !== currency);
  if (otherCurrency !== -1) {
    throw invalidRequest(
      "Checkout does not support multiple currencies. All line items must have the same currency.",
      `line_items[${otherCurrency}][price_data][currency]`,
    );
  }
  const allowPromotionCodes = asBoolean(params.allow_promotion_codes, "allow_promotion_codes") ?? null;
  if (allowPromotionCodes !== null && params.discounts !== undefined && params.discounts !== "") {
    // Stripe's words for passing both (stripe/stripe-php#1731: "the features are exclusive").
    throw invalidRequest("You may only specify one of these parameters: allow_promotion_codes, discounts.");
  }
  const subtotal = lineItems.reduce((sum, line) => sum + line.unitAmount * line.quantity, 0);
  const discount = readDiscount(params.discounts, coupons, currency, subtotal);
  checkMinimumCharge(subtotal - (discount?.amount ?? 0), currency);

  let expiresAt = now + MAX_SESSION_SECONDS;
  const requestedExpiry = asInteger(params.expires_at, "expires_at");
  if (requestedExpiry !== undefined) {
    if (requestedExpiry - now < MIN_SESSION_SECONDS) {
      throw invalidRequest(
        "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
        "expires_at",
      );
    }
    if (requestedExpiry - now > MAX_SESSION_SECONDS) {
      throw invalidRequest(
        "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
        "expires_at",
      );
    }
    expiresAt = requestedExpiry;
  }

  const clientReferenceId = asString(params.client_reference_id, "client_reference_id") || null;
  if (clientReferenceId !== null && clientReferenceId.length > 200) {
    throw invalidRequest("client_reference_id must be at most 200 characters.", "client_reference_id");
  }
  const customerEmail = asString(params.customer_email, "customer_email") || null;
  if (customerEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(customerEmail)) {
    throw invalidRequest(`Invalid email address: ${customerEmail}`, "customer_email", "email_invalid");
  }

  const id = stripeId("cs_test", 58);
  return {
    id,
    created: now,
    expiresAt,
    status: "open",
    paymentStatus: "unpaid",
    currency,
    lineItems,
    allowPromotionCodes,
    discount,
    metadata: readMetadata(params.metadata, "metadata"),
    clientReferenceId,
    customerEmail,
    customerId: null,
    successUrl: readUrl(params.success_url, "success_url"),
    cancelUrl: readUrl(params.cancel_url, "cancel_url"),
    paymentIntentId: null,
    chargeId: null,
    paymentMethodType: null,
    asyncPayment: null,
    hostedUrl: `${publicUrl}/checkout/${id}`,
  };
}
