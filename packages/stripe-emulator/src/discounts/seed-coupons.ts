import type { FormObject } from "../api/form-body.ts";
import { StripeApiError } from "../api/stripe-api-error.ts";
import type { CouponBook } from "./coupon-book.ts";

/**
 * A coupon the emulator starts with, in `POST /v1/coupons`'s own parameter
 * names, plus the customer-facing promotion codes to create on it.
 */
export interface CouponSeed {
  /** The coupon id (Stripe lets you choose it); random when omitted. */
  id?: string;
  name?: string;
  /** Percent off, 0 < x <= 100; or `amount_off` with `currency`. */
  percent_off?: number;
  amount_off?: number;
  currency?: string;
  duration?: "once" | "forever" | "repeating";
  max_redemptions?: number;
  redeem_by?: number;
  metadata?: Record<string, string>;
  /** Codes a buyer can type on the hosted page (sessions with `allow_promotion_codes: true`), e.g. `["FREE100"]`. */
  promotion_codes?: string[];
}

/** The demo's: promotion code `FREE100` takes 100% off, so a buyer can place a no-cost order. */
export const DEMO_COUPONS: readonly CouponSeed[] = Object.freeze([
  { id: "demo-free-order", name: "Free order (demo)", percent_off: 100, promotion_codes: ["FREE100"] },
]);

/** Creates the seeds through the same validation as the API; a bad seed throws with Stripe's message. */
export function seedCoupons(book: CouponBook, seeds: readonly CouponSeed[]): void {
  for (const { promotion_codes: codes = [], metadata, ...fields } of seeds) {
    const params: FormObject = {};
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) params[key] = String(value);
    if (metadata !== undefined) params.metadata = { ...metadata };
    try {
      const coupon = book.createCoupon(params);
      for (const code of codes) book.createPromotionCode({ promotion: { type: "coupon", coupon: coupon.id }, code });
    } catch (error) {
      if (error instanceof StripeApiError)
        throw new Error(`startStripeEmulator: coupon ${fields.id ?? "(no id)"}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}
