import type { FormObject } from "../api/form-body.ts";
import { stripeId } from "../api/ids.ts";
import { asBoolean, asInteger, asObject, asString, readMetadata, rejectUnknown, required } from "../api/read-params.ts";
import { invalidRequest, StripeApiError } from "../api/stripe-api-error.ts";
import { readCurrency } from "../checkout/currencies.ts";
import type { CouponRecord } from "./create-coupon.ts";

/** A promotion code (a customer-facing code for a coupon), as the emulator stores it. */
export interface PromotionCodeRecord {
  id: string;
  code: string;
  couponId: string;
  created: number;
  active: boolean;
  expiresAt: number | null;
  maxRedemptions: number | null;
  timesRedeemed: number;
  metadata: Record<string, string>;
  minimumAmount: number | null;
  minimumAmountCurrency: string | null;
}

/**
 * `POST /v1/promotion_codes` parameters in the pinned API version (the SDK's
 * `PromotionCodeCreateParams`): the coupon is named by
 * `promotion: { type: "coupon", coupon }`; the older top-level `coupon` is an
 * unknown parameter here, as it is at Stripe for this version.
 */
const KNOWN_PARAMS = new Set([
  "active",
  "code",
  "customer",
  "customer_account",
  "expand",
  "expires_at",
  "max_redemptions",
  "metadata",
  "promotion",
  "restrictions",
]);
const PROMOTION_PARAMS = new Set(["coupon", "type"]);
const RESTRICTION_PARAMS = new Set([
  "currency_options",
  "first_time_transaction",
  "minimum_amount",
  "minimum_amount_currency",
]);

/** Codes are letters, digits and dashes (Stripe's rule); generated ones look like Stripe's. */
const CODE_PATTERN = /^[A-Za-z0-9-]+$/;

export function createPromotionCode({
  params,
  now,
  coupon,
  codeInUse,
}: {
  params: FormObject;
  now: number;
  /** Looks up the coupon `promotion[coupon]` names. */
  coupon: (id: string) => CouponRecord | undefined;
  /** Whether an active promotion code already has this code (case-insensitive). */
  codeInUse: (code: string) => boolean;
}): PromotionCodeRecord {
  rejectUnknown(params, KNOWN_PARAMS, "");
  const promotion = required(asObject(params.promotion, "promotion"), "promotion");
  rejectUnknown(promotion, PROMOTION_PARAMS, "promotion");
  const type = required(asString(promotion.type, "promotion[type]"), "promotion[type]");
  if (type !== "coupon") throw invalidRequest("Invalid promotion[type]: must be coupon", "promotion[type]");
  const couponId = required(asString(promotion.coupon, "promotion[coupon]"), "promotion[coupon]");
  const found = coupon(couponId);
  if (found === undefined) {
    throw invalidRequest(`No such coupon: '${couponId}'`, "promotion[coupon]", "resource_missing");
  }
  for (const param of ["customer", "customer_account"] as const) {
    const id = asString(params[param], param);
    // The emulator has no Customer objects.
    if (id !== undefined) throw invalidRequest(`No such customer: '${id}'`, param, "resource_missing");
  }

  const code = asString(params.code, "code") || stripeId("p", 8).slice(2).toUpperCase();
  if (!CODE_PATTERN.test(code)) {
    throw invalidRequest("Promotion codes may contain only letters (a-z, A-Z), digits and dashes.", "code");
  }
  const active = asBoolean(params.active, "active") ?? true;
  if (active && codeInUse(code)) {
    throw new StripeApiError({
      status: 400,
      type: "invalid_request_error",
      message: `An active promotion code with \`code: ${code}\` already exists.`,
      param: "code",
      code: "resource_already_exists",
    });
  }
  const expiresAt = asInteger(params.expires_at, "expires_at") ?? null;
  if (expiresAt !== null && found.redeemBy !== null && expiresAt > found.redeemBy) {
    throw invalidRequest("The promotion code cannot expire after its coupon's redeem_by.", "expires_at");
  }
  const maxRedemptions = asInteger(params.max_redemptions, "max_redemptions") ?? null;
  if (maxRedemptions !== null && maxRedemptions < 1)
    throw invalidRequest("max_redemptions must be a positive integer.", "max_redemptions");

  const restrictions = asObject(params.restrictions, "restrictions") ?? {};
  rejectUnknown(restrictions, RESTRICTION_PARAMS, "restrictions");
  if (restrictions.currency_options !== undefined) {
    throw invalidRequest(
      "The Stripe emulator does not model restrictions[currency_options].",
      "restrictions[currency_options]",
    );
  }
  if (asBoolean(restrictions.first_time_transaction, "restrictions[first_time_transaction]") === true) {
    // Every buyer is a guest here, so the restriction could not be judged.
    throw invalidRequest(
      "The Stripe emulator does not model restrictions[first_time_transaction].",
      "restrictions[first_time_transaction]",
    );
  }
  const minimumAmount = asInteger(restrictions.minimum_amount, "restrictions[minimum_amount]") ?? null;
  let minimumAmountCurrency: string | null = null;
  if (minimumAmount !== null) {
    if (restrictions.minimum_amount_currency === undefined) {
      throw invalidRequest(
        "restrictions[minimum_amount_currency] is required with restrictions[minimum_amount].",
        "restrictions[minimum_amount_currency]",
      );
    }
    minimumAmountCurrency = readCurrency(restrictions.minimum_amount_currency, "restrictions[minimum_amount_currency]");
  }

  return {
    id: stripeId("promo", 24),
    code,
    couponId: found.id,
    created: now,
    active,
    expiresAt,
    maxRedemptions,
    timesRedeemed: 0,
    metadata: readMetadata(params.metadata, "metadata"),
    minimumAmount,
    minimumAmountCurrency,
  };
}
