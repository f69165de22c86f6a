import type { CouponBook } from "./coupon-book.ts";
import type { CouponRecord } from "./create-coupon.ts";
import type { PromotionCodeRecord } from "./create-promotion-code.ts";

/** Stripe's `coupon` object (it type-checks as the SDK's `Stripe.Coupon`). */
export interface CouponObject {
  id: string;
  object: "coupon";
  amount_off: number | null;
  created: number;
  currency: string | null;
  duration: "once" | "forever" | "repeating";
  duration_in_months: number | null;
  livemode: false;
  max_redemptions: number | null;
  metadata: Record<string, string>;
  name: string | null;
  percent_off: number | null;
  redeem_by: number | null;
  times_redeemed: number;
  valid: boolean;
}

/**
 * Stripe's `promotion_code` object in the pinned API version: the coupon sits
 * in `promotion: { type: "coupon", coupon }`, an id unless expanded
 * (`expand[]=promotion.coupon`). It type-checks as `Stripe.PromotionCode`.
 */
export interface PromotionCodeObject {
  id: string;
  object: "promotion_code";
  active: boolean;
  code: string;
  created: number;
  customer: null;
  customer_account: null;
  expires_at: number | null;
  livemode: false;
  max_redemptions: number | null;
  metadata: Record<string, string>;
  promotion: { type: "coupon"; coupon: string | CouponObject };
  restrictions: {
    first_time_transaction: false;
    minimum_amount: number | null;
    minimum_amount_currency: string | null;
  };
  times_redeemed: number;
}

export function toCouponObject(coupon: CouponRecord, book: CouponBook): CouponObject {
  return {
    id: coupon.id,
    object: "coupon",
    amount_off: coupon.amountOff,
    created: coupon.created,
    currency: coupon.currency,
    duration: coupon.duration,
    duration_in_months: coupon.durationInMonths,
    livemode: false,
    max_redemptions: coupon.maxRedemptions,
    metadata: { ...coupon.metadata },
    name: coupon.name,
    percent_off: coupon.percentOff,
    redeem_by: coupon.redeemBy,
    times_redeemed: coupon.timesRedeemed,
    valid: book.couponValid(coupon),
  };
}

export function toPromotionCodeObject(
  promo: PromotionCodeRecord,
  book: CouponBook,
  expandCoupon = false,
): PromotionCodeObject {
  const coupon = book.coupon(promo.couponId);
  return {
    id: promo.id,
    object: "promotion_code",
    // Stripe: "A promotion code is only active if the coupon is also valid."
    active: promo.active && coupon !== undefined && book.couponValid(coupon),
    code: promo.code,
    created: promo.created,
    customer: null,
    customer_account: null,
    expires_at: promo.expiresAt,
    livemode: false,
    max_redemptions: promo.maxRedemptions,
    metadata: { ...promo.metadata },
    promotion: {
      type: "coupon",
      coupon: expandCoupon && coupon !== undefined ? toCouponObject(coupon, book) : promo.couponId,
    },
    restrictions: {
      first_time_transaction: false,
      minimum_amount: promo.minimumAmount,
      minimum_amount_currency: promo.minimumAmountCurrency,
    },
    times_redeemed: promo.timesRedeemed,
  };
}
