import { stripeId } from "../api/ids.ts";
import type { FormObject } from "../api/form-body.ts";
import { StripeApiError } from "../api/stripe-api-error.ts";
import type { CouponBook } from "../discounts/coupon-book.ts";
import type { CheckoutEventType, StripeEvent } from "../webhooks/stripe-event.ts";
import type { WebhookSender } from "../webhooks/webhook-sender.ts";
import { sessionAmounts, toCheckoutSession, type SessionRecord } from "./checkout-session.ts";
import { checkMinimumCharge, createCheckoutSession } from "./create-checkout-session.ts";

/** A promotion code the buyer typed that does not apply; `message` is what the hosted page shows. */
export class PromotionCodeRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PromotionCodeRefused";
  }
}

/** A transition the session's state does not allow (paying an expired session, ...). */
export class SessionStateError extends Error {
  readonly session: SessionRecord;
  constructor(session: SessionRecord, message: string) {
    super(message);
    this.name = "SessionStateError";
    this.session = session;
  }
}

type RequestRef = StripeEvent["request"];
const BUYER: RequestRef = { id: null, idempotency_key: null };

/**
 * All Checkout Sessions and their lifecycle. Every state change that Stripe
 * announces with an event emits that event here, and only here, so the API,
 * the hosted page and the test controls all behave the same.
 */
export class CheckoutSessions {
  private readonly byId = new Map<string, SessionRecord>();
  private readonly sender: WebhookSender;
  private readonly coupons: CouponBook;
  private readonly now: () => number;
  private readonly publicUrl: () => string;

  constructor({
    sender,
    coupons,
    now,
    publicUrl,
  }: {
    sender: WebhookSender;
    coupons: CouponBook;
    now: () => number;
    publicUrl: () => string;
  }) {
    this.sender = sender;
    this.coupons = coupons;
    this.now = now;
    this.publicUrl = publicUrl;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  create(params: FormObject): SessionRecord {
    const session = createCheckoutSession({
      params,
      now: this.seconds(),
      publicUrl: this.publicUrl(),
      coupons: this.coupons,
    });
    this.byId.set(session.id, session);
    return session;
  }

  find(id: string): SessionRecord | undefined {
    return this.byId.get(id);
  }

  get(id: string): SessionRecord {
    const session = this.byId.get(id);
    if (session === undefined) throw new Error(`No such checkout.session: '${id}'`);
    return session;
  }

  all(): SessionRecord[] {
    return [...this.byId.values()];
  }

  /**
   * The buyer pays by card (immediately paid) or chooses bank transfer
   * (`delayed`: complete but unpaid). A session whose total is 0 is a no-cost
   * order: it completes with `no_payment_required`, no PaymentIntent, and a
   * new Customer (Stripe creates one, as no-cost orders take no guests);
   * `delayed` does not apply to it.
   */
  pay(
    id: string,
    { delayed = false }: { delayed?: boolean } = {},
  ): { session: SessionRecord; event: StripeEvent<"checkout.session.completed"> } {
    const session = this.get(id);
    this.expireIfDue(session);
    if (session.status !== "open") {
      throw new SessionStateError(session, `Checkout Session ${id} is ${session.status}: it can no longer be paid.`);
    }
    session.status = "complete";
    if (sessionAmounts(session).total === 0) {
      session.paymentStatus = "no_payment_required";
      session.customerId = stripeId("cus", 14);
    } else {
      session.paymentIntentId = stripeId("pi", 24);
      session.chargeId = stripeId("ch", 24);
      session.paymentMethodType = delayed ? "customer_balance" : "card";
      session.paymentStatus = delayed ? "unpaid" : "paid";
      session.asyncPayment = delayed ? "pending" : null;
    }
    if (session.discount !== null) this.coupons.redeem(session.discount);
    return { session, event: this.emit("checkout.session.completed", session, BUYER) };
  }

  /**
   * The buyer enters a promotion code on the hosted page (sessions created
   * with `allow_promotion_codes: true`); it replaces any code applied before.
   * Refused when unknown or inactive, or when it would leave a total above 0
   * but under the minimum charge.
   */
  applyPromotionCode(id: string, code: string): SessionRecord {
    const session = this.openForCodes(id);
    const promo = this.coupons.findActiveCode(code);
    if (promo === undefined || code.trim() === "") throw new PromotionCodeRefused("This code is invalid.");
    const { subtotal } = sessionAmounts(session);
    try {
      const discount = this.coupons.discountFor({
        promotionCodeId: promo.id,
        currency: session.currency,
        subtotal,
        param: "promotion_code",
      });
      checkMinimumCharge(subtotal - discount.amount, session.currency);
      session.discount = discount;
    } catch (error) {
      if (error instanceof StripeApiError) throw new PromotionCodeRefused(error.message);
      throw error;
    }
    return session;
  }

  /** The buyer removes the promotion code they entered. */
  removePromotionCode(id: string): SessionRecord {
    const session = this.openForCodes(id);
    session.discount = null;
    return session;
  }

  private openForCodes(id: string): SessionRecord {
    const session = this.get(id);
    this.expireIfDue(session);
    if (session.status !== "open") {
      throw new SessionStateError(
        session,
        `Checkout Session ${id} is ${session.status}: its promotion code can no longer change.`,
      );
    }
    if (session.allowPromotionCodes !== true) {
      throw new SessionStateError(session, `Checkout Session ${id} was not created with allow_promotion_codes: true.`);
    }
    return session;
  }

  /** The bank transfer of a delayed payment arrives (`succeeded`) or fails. */
  settleAsyncPayment(
    id: string,
    succeeded: true,
  ): { session: SessionRecord; event: StripeEvent<"checkout.session.async_payment_succeeded"> };
  settleAsyncPayment(
    id: string,
    succeeded: false,
  ): { session: SessionRecord; event: StripeEvent<"checkout.session.async_payment_failed"> };
  settleAsyncPayment(
    id: string,
    succeeded: boolean,
  ): {
    session: SessionRecord;
    event: StripeEvent<"checkout.session.async_payment_succeeded" | "checkout.session.async_payment_failed">;
  } {
    const session = this.get(id);
    if (session.asyncPayment !== "pending") {
      throw new SessionStateError(session, `Checkout Session ${id} has no delayed payment waiting to settle.`);
    }
    session.asyncPayment = succeeded ? "succeeded" : "failed";
    if (succeeded) session.paymentStatus = "paid";
    const type = succeeded
      ? ("checkout.session.async_payment_succeeded" as const)
      : ("checkout.session.async_payment_failed" as const);
    return { session, event: this.emit(type, session, BUYER) };
  }

  /** Expires an open session (API call, test control or its `expires_at` passing) and announces it. */
  expire(
    id: string,
    request: RequestRef = BUYER,
  ): { session: SessionRecord; event: StripeEvent<"checkout.session.expired"> } {
    const session = this.get(id);
    if (session.status !== "open") {
      throw new SessionStateError(
        session,
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
      );
    }
    session.status = "expired";
    return { session, event: this.emit("checkout.session.expired", session, request) };
  }

  /** Expires every open session whose `expires_at` has passed; returns their ids. */
  expireDue(): string[] {
    const expired: string[] = [];
    for (const session of this.byId.values()) {
      if (this.expireIfDue(session)) expired.push(session.id);
    }
    return expired;
  }

  /** Stripe expires a session once `expires_at` passes; reads and payments see it at once. */
  expireIfDue(session: SessionRecord): boolean {
    if (session.status !== "open" || session.expiresAt > this.seconds()) return false;
    this.expire(session.id);
    return true;
  }

  private emit<Type extends CheckoutEventType>(
    type: Type,
    session: SessionRecord,
    request: RequestRef,
  ): StripeEvent<Type> {
    return this.sender.emit(type, toCheckoutSession(session), request);
  }
}
