import type { FormObject } from "../api/form-body.ts";
import { stripeId } from "../api/ids.ts";
import { asInteger, asString, readMetadata, rejectUnknown } from "../api/read-params.ts";
import { invalidRequest, StripeApiError } from "../api/stripe-api-error.ts";
import { readCurrency } from "../checkout/currencies.ts";

/** A coupon, as the emulator stores it. */
export interface CouponRecord {
  id: string;
  created: number;
  name: string | null;
  /** Exactly one of `percentOff` (0 < x <= 100) and `amountOff` (with `currency`) is set. */
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  duration: "once" | "forever" | "repeating";
  durationInMonths: number | null;
  maxRedemptions: number | null;
  redeemBy: number | null;
  timesRedeemed: number;
  metadata: Record<string, string>;
}

/** `POST /v1/coupons` parameters (the SDK's `CouponCreateParams`). */
const KNOWN_PARAMS = new Set([
  "amount_off",
  "applies_to",
  "currency",
  "currency_options",
  "duration",
  "duration_in_months",
  "expand",
  "id",
  "max_redemptions",
  "metadata",
  "name",
  "percent_off",
  "redeem_by",
]);

/**
 * Validates `POST /v1/coupons` and builds the coupon: `percent_off`, or
 * `amount_off` with `currency`; an `id` of the caller's choosing (random
 * otherwise); `duration` (default `once`; it only matters for subscriptions).
 */
export function createCoupon({
  params,
  now,
  exists,
}: {
  params: FormObject;
  now: number;
  exists: (id: string) => boolean;
}): CouponRecord {
  rejectUnknown(params, KNOWN_PARAMS, "");
  for (const param of ["applies_to", "currency_options"] as const) {
    // Product restrictions and per-currency amounts would change what a coupon takes off; refuse rather than ignore
    // them.
    if (params[param] !== undefined)
      throw invalidRequest(`The Stripe emulator does not model ${param} on coupons.`, param);
  }
  const percentText = asString(params.percent_off, "percent_off");
  const amountOff = asInteger(params.amount_off, "amount_off") ?? null;
  if (percentText !== undefined && amountOff !== null) {
    throw invalidRequest("You may only specify one of these parameters: amount_off, percent_off.", "percent_off");
  }
  let percentOff: number | null = null;
  if (percentText !== undefined) {
    percentOff = Number(percentText);
    if (!/^\d+(\.\d+)?$/.test(percentText) || percentOff <= 0 || percentOff > 100) {
      throw invalidRequest("percent_off must be a number greater than 0 and at most 100.", "percent_off");
    }
  }
  let currency: string | null = null;
  if (amountOff !== null) {
    if (amountOff < 1) throw invalidRequest("amount_off must be a positive integer.", "amount_off");
    if (params.currency === undefined)
      throw invalidRequest("You must pass currency when passing amount_off.", "currency");
    currency = readCurrency(params.currency, "currency");
  }
  if (percentOff === null && amountOff === null) {
    throw invalidRequest("You must pass either percent_off or amount_off.", "percent_off");
  }

  const duration = asString(params.duration, "duration") ?? "once";
  if (duration !== "once" && duration !== "forever" && duration !== "repeating") {
    throw invalidRequest("Invalid duration: must be one of forever, once, or repeating", "duration");
  }
  const durationInMonths = asInteger(params.duration_in_months, "duration_in_months") ?? null;
  if (duration === "repeating" && (durationInMonths === null || durationInMonths < 1)) {
    throw invalidRequest(
      "duration_in_months must be a positive integer when duration is repeating.",
      "duration_in_months",
    );
  }

  // Stripe's generated coupon ids look like `Z4OV52SU`.
  const id = asString(params.id, "id") || stripeId("c", 8).slice(2).toUpperCase();
  if (exists(id)) {
    throw new StripeApiError({
      status: 400,
      type: "invalid_request_error",
      message: "Coupon already exists.",
      param: "id",
      code: "resource_already_exists",
    });
  }
  const maxRedemptions = asInteger(params.max_redemptions, "max_redemptions") ?? null;
  if (maxRedemptions !== null && maxRedemptions < 1)
    throw invalidRequest("max_redemptions must be a positive integer.", "max_redemptions");
  const redeemBy = asInteger(params.redeem_by, "redeem_by") ?? null;
  if (redeemBy !== null && redeemBy <= now) throw invalidRequest("redeem_by must be in the future.", "redeem_by");

  return {
    id,
    created: now,
    name: asString(params.name, "name") || null,
    percentOff,
    amountOff,
    currency,
    duration,
    durationInMonths: duration === "repeating" ? durationInMonths : null,
    maxRedemptions,
    redeemBy,
    timesRedeemed: 0,
    metadata: readMetadata(params.metadata, "metadata"),
  };
}
