import { stripeId } from "../api/ids.ts";
import type { FormObject } from "../api/form-body.ts";
import type { StripeEvent } from "../webhooks/stripe-event.ts";
import type { WebhookSender } from "../webhooks/webhook-sender.ts";
import { toCheckoutSession, type SessionRecord } from "./checkout-session.ts";
import { createCheckoutSession } from "./create-checkout-session.ts";

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
  private readonly now: () => number;
  private readonly publicUrl: () => string;

  constructor({ sender, now, publicUrl }: { sender: WebhookSender; now: () => number; publicUrl: () => string }) {
    this.sender = sender;
    this.now = now;
    this.publicUrl = publicUrl;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  create(params: FormObject): SessionRecord {
    const session = createCheckoutSession({ params, now: this.seconds(), publicUrl: this.publicUrl() });
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

  /** The buyer pays by card (immediately paid) or chooses bank transfer (`delayed`: complete but unpaid). */
  pay(id: string, { delayed = false }: { delayed?: boolean } = {}): { session: SessionRecord; event: StripeEvent<"checkout.session.completed"> } {
    const session = this.get(id);
    this.expireIfDue(session);
    if (session.status !== "open") {
      throw new SessionStateError(session, `Checkout Session ${id} is ${session.status}: it can no longer be paid.`);
    }
    session.status = "complete";
    session.paymentIntentId = stripeId("pi", 24);
    session.paymentMethodType = delayed ? "customer_balance" : "card";
    session.paymentStatus = delayed ? "unpaid" : "paid";
    session.asyncPayment = delayed ? "pending" : null;
    return { session, event: this.emit("checkout.session.completed", session, BUYER) };
  }

  /** The bank transfer of a delayed payment arrives (`succeeded`) or fails. */
  settleAsyncPayment(id: string, succeeded: true): { session: SessionRecord; event: StripeEvent<"checkout.session.async_payment_succeeded"> };
  settleAsyncPayment(id: string, succeeded: false): { session: SessionRecord; event: StripeEvent<"checkout.session.async_payment_failed"> };
  settleAsyncPayment(
    id: string,
    succeeded: boolean,
  ): { session: SessionRecord; event: StripeEvent<"checkout.session.async_payment_succeeded" | "checkout.session.async_payment_failed"> } {
    const session = this.get(id);
    if (session.asyncPayment !== "pending") {
      throw new SessionStateError(session, `Checkout Session ${id} has no delayed payment waiting to settle.`);
    }
    session.asyncPayment = succeeded ? "succeeded" : "failed";
    if (succeeded) session.paymentStatus = "paid";
    const type = succeeded ? ("checkout.session.async_payment_succeeded" as const) : ("checkout.session.async_payment_failed" as const);
    return { session, event: this.emit(type, session, BUYER) };
  }

  /** Expires an open session (API call, test control or its `expires_at` passing) and announces it. */
  expire(id: string, request: RequestRef = BUYER): { session: SessionRecord; event: StripeEvent<"checkout.session.expired"> } {
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

  private emit<Type extends StripeEvent["type"]>(type: Type, session: SessionRecord, request: RequestRef): StripeEvent<Type> {
    return this.sender.emit(type, toCheckoutSession(session), request);
  }
}
