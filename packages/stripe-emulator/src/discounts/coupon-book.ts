import type { FormObject } from "../api/form-body.ts";
import { invalidRequest } from "../api/stripe-api-error.ts";
import type { AppliedDiscount } from "../checkout/checkout-session.ts";
import { minorUnitFactor } from "../checkout/currencies.ts";
import { createCoupon, type CouponRecord } from "./create-coupon.ts";
import { createPromotionCode, type PromotionCodeRecord } from "./create-promotion-code.ts";

/**
 * The discount a coupon gives on a subtotal: a percentage (rounded to the minor unit) or a fixed amount, never more
 * than the subtotal.
 */
export function couponDiscount(coupon: CouponRecord, subtotal: number): number {
  const amount =
    coupon.percentOff !== null ? Math.round((subtotal * coupon.percentOff) / 100) : (coupon.amountOff ?? 0);
  return Math.min(amount, subtotal);
}

function money(amount: number, currency: string): string {
  const factor = minorUnitFactor(currency);
  return `${(amount / factor).toFixed(Math.log10(factor))} ${currency}`;
}

/**
 * Coupons and promotion codes, and the one place that decides whether a
 * discount applies to a session (from the API's `discounts` or a code the
 * buyer typed on the hosted page) and counts redemptions.
 */
export class CouponBook {
  private readonly coupons = new Map<string, CouponRecord>();
  private readonly codes = new Map<string, PromotionCodeRecord>();
  /** Seconds since the epoch. */
  private readonly now: () => number;

  constructor({ now }: { now: () => number }) {
    this.now = now;
  }

  createCoupon(params: FormObject): CouponRecord {
    const coupon = createCoupon({ params, now: this.now(), exists: (id) => this.coupons.has(id) });
    this.coupons.set(coupon.id, coupon);
    return coupon;
  }

  createPromotionCode(params: FormObject): PromotionCodeRecord {
    const code = createPromotionCode({
      params,
      now: this.now(),
      coupon: (id) => this.coupons.get(id),
      codeInUse: (text) => this.findActiveCode(text) !== undefined,
    });
    this.codes.set(code.id, code);
    return code;
  }

  coupon(id: string): CouponRecord | undefined {
    return this.coupons.get(id);
  }

  promotionCode(id: string): PromotionCodeRecord | undefined {
    return this.codes.get(id);
  }

  allCoupons(): CouponRecord[] {
    return [...this.coupons.values()];
  }

  allPromotionCodes(): PromotionCodeRecord[] {
    return [...this.codes.values()];
  }

  /** The active promotion code with this customer-facing code, ignoring case, as Stripe matches codes. */
  findActiveCode(code: string): PromotionCodeRecord | undefined {
    const wanted = code.trim().toLowerCase();
    return [...this.codes.values()].find((promo) => promo.active && promo.code.toLowerCase() === wanted);
  }

  /** Whether a coupon can still be redeemed (before `redeem_by`, under `max_redemptions`). */
  couponValid(coupon: CouponRecord): boolean {
    return (
      (coupon.redeemBy === null || this.now() < coupon.redeemBy) &&
      (coupon.maxRedemptions === null || coupon.timesRedeemed < coupon.maxRedemptions)
    );
  }

  /** Whether a promotion code can still be redeemed: active, unexpired, under its limit, on a valid coupon. */
  promotionCodeActive(promo: PromotionCodeRecord): boolean {
    const coupon = this.coupons.get(promo.couponId);
    return (
      promo.active &&
      (promo.expiresAt === null || this.now() < promo.expiresAt) &&
      (promo.maxRedemptions === null || promo.timesRedeemed < promo.maxRedemptions) &&
      coupon !== undefined &&
      this.couponValid(coupon)
    );
  }

  /**
   * The discount a coupon, or a promotion code (by id), gives a session with
   * this currency and subtotal; refusals are Stripe-shaped 400s on `param`.
   */
  discountFor({
    couponId,
    promotionCodeId,
    currency,
    subtotal,
    param,
  }: {
    couponId?: string;
    promotionCodeId?: string;
    currency: string;
    subtotal: number;
    param: string;
  }): AppliedDiscount {
    let promo: PromotionCodeRecord | undefined;
    if (promotionCodeId !== undefined) {
      promo = this.codes.get(promotionCodeId);
      if (promo === undefined)
        throw invalidRequest(`No such promotion code: '${promotionCodeId}'`, param, "resource_missing");
      if (!this.promotionCodeActive(promo))
        throw invalidRequest(`The promotion code '${promo.code}' is not active.`, param);
      if (promo.minimumAmount !== null && promo.minimumAmountCurrency === currency && subtotal < promo.minimumAmount) {
        throw invalidRequest(
          `The promotion code '${promo.code}' needs an order of at least ${money(promo.minimumAmount, currency)}.`,
          param,
        );
      }
    }
    const id = promo?.couponId ?? couponId ?? "";
    const coupon = this.coupons.get(id);
    if (coupon === undefined) throw invalidRequest(`No such coupon: '${id}'`, param, "resource_missing");
    if (!this.couponValid(coupon))
      throw invalidRequest(`The coupon '${coupon.id}' is no longer valid.`, param, "coupon_expired");
    if (coupon.currency !== null && coupon.currency !== currency) {
      throw invalidRequest(
        `The coupon '${coupon.id}' takes off ${coupon.currency}, but this Checkout Session is in ${currency}.`,
        param,
      );
    }
    return {
      couponId: coupon.id,
      promotionCodeId: promo?.id ?? null,
      amount: couponDiscount(coupon, subtotal),
      label: promo?.code ?? coupon.name ?? coupon.id,
    };
  }

  /** Counts a redemption when a discounted session completes. */
  redeem(discount: AppliedDiscount): void {
    const coupon = this.coupons.get(discount.couponId);
    if (coupon !== undefined) coupon.timesRedeemed += 1;
    const promo = discount.promotionCodeId === null ? undefined : this.codes.get(discount.promotionCodeId);
    if (promo !== undefined) promo.timesRedeemed += 1;
  }
}
