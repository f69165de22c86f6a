import type { FormObject } from "../api/form-body.ts";
import { stripeId } from "../api/ids.ts";
import { asInteger, asString, readMetadata, rejectUnknown } from "../api/read-params.ts";
import { invalidRequest, StripeApiError } from "../api/stripe-api-error.ts";
import type { CheckoutSessions } from "../checkout/checkout-sessions.ts";
import { sessionAmounts } from "../checkout/checkout-session.ts";
import { minorUnitFactor } from "../checkout/currencies.ts";
import type { StripeEvent } from "../webhooks/stripe-event.ts";
import type { WebhookSender } from "../webhooks/webhook-sender.ts";
import {
  refundedAmount,
  toChargeObject,
  toRefundObject,
  type ChargeRecord,
  type RefundReason,
  type RefundRecord,
  type RefundStatus,
} from "./refund-objects.ts";

type RequestRef = StripeEvent["request"];

const CREATE_PARAMS: ReadonlySet<string> = new Set([
  "amount",
  "charge",
  "payment_intent",
  "metadata",
  "reason",
  "expand",
  "instructions_email",
]);
const REASONS: ReadonlySet<string> = new Set(["duplicate", "fraudulent", "requested_by_customer"]);

/** Refunds of paid Checkout Sessions and the charge behind each; every change is announced with its events here. */
export class Refunds {
  private readonly byId = new Map<string, RefundRecord>();
  private readonly charges = new Map<string, ChargeRecord>();
  private readonly sender: WebhookSender;
  private readonly checkout: CheckoutSessions;
  private readonly now: () => number;
  private readonly embedChargeRefunds: () => boolean;

  constructor(options: {
    sender: WebhookSender;
    checkout: CheckoutSessions;
    now: () => number;
    embedChargeRefunds: () => boolean;
  }) {
    this.sender = options.sender;
    this.checkout = options.checkout;
    this.now = options.now;
    this.embedChargeRefunds = options.embedChargeRefunds;
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** The charge of a paid session's PaymentIntent (made on first use: a session is charged once, when paid). */
  chargeOf(paymentIntentId: string): ChargeRecord | undefined {
    for (const charge of this.charges.values()) if (charge.paymentIntentId === paymentIntentId) return charge;
    const session = this.checkout.all().find((s) => s.paymentIntentId === paymentIntentId);
    if (session === undefined || session.paymentStatus !== "paid" || session.chargeId === null) return undefined;
    const charge: ChargeRecord = {
      id: session.chargeId,
      paymentIntentId,
      sessionId: session.id,
      amount: sessionAmounts(session).total,
      currency: session.currency,
      created: session.created,
      email: session.customerEmail ?? "buyer@example.com",
    };
    this.charges.set(charge.id, charge);
    return charge;
  }

  charge(chargeId: string): ChargeRecord | undefined {
    const known = this.charges.get(chargeId);
    if (known !== undefined) return known;
    const session = this.checkout.all().find((s) => s.chargeId === chargeId);
    return session?.paymentIntentId ? this.chargeOf(session.paymentIntentId) : undefined;
  }

  /** Newest first, as Stripe lists. */
  refundsOf(chargeId: string): RefundRecord[] {
    return [...this.byId.values()].filter((refund) => refund.chargeId === chargeId).reverse();
  }

  all(): RefundRecord[] {
    return [...this.byId.values()];
  }

  find(id: string): RefundRecord | undefined {
    return this.byId.get(id);
  }

  /**
   * `POST /v1/refunds`: refunds a charge (named by it or its PaymentIntent)
   * in full or in part. Refused as Stripe refuses: a charge already refunded
   * in full (`charge_already_refunded`), an amount above what is left
   * (`amount_too_large`), a missing or mismatched charge. `pending` (a test
   * control) makes a refund that succeeds or fails later (`settle`). Sends
   * refund.created and charge.refunded.
   */
  create(
    params: FormObject,
    request: RequestRef,
    { pending = false }: { pending?: boolean } = {},
  ): { refund: RefundRecord; created: StripeEvent<"refund.created">; refunded: StripeEvent<"charge.refunded"> } {
    rejectUnknown(params, CREATE_PARAMS, "");
    const chargeParam = asString(params.charge, "charge");
    const intentParam = asString(params.payment_intent, "payment_intent");
    if (chargeParam === undefined && intentParam === undefined)
      throw invalidRequest(
        "One of the following params should be provided for this request: payment_intent or charge.",
      );
    let charge: ChargeRecord | undefined;
    if (chargeParam !== undefined) {
      charge = this.charge(chargeParam);
      if (charge === undefined) throw missing("charge", chargeParam);
      if (intentParam !== undefined && intentParam !== charge.paymentIntentId)
        throw invalidRequest(
          `The charge ${chargeParam} does not belong to the PaymentIntent ${intentParam}.`,
          "charge",
        );
    } else {
      charge = this.chargeOf(intentParam!);
      if (charge === undefined) {
        const exists = this.checkout.all().some((s) => s.paymentIntentId === intentParam);
        if (!exists) throw missing("payment_intent", intentParam!);
        throw invalidRequest(
          `This PaymentIntent (${intentParam}) does not have a successful charge to refund.`,
          "payment_intent",
          "charge_not_refundable",
        );
      }
    }
    const left = charge.amount - refundedAmount(this.refundsOf(charge.id));
    if (left <= 0)
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, "charge_already_refunded");
    let amount = left;
    if (params.amount !== undefined) {
      amount = asInteger(params.amount, "amount") ?? left;
      if (amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", "amount");
      if (amount > left)
        throw invalidRequest(
          `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(left, charge.currency)})`,
          "amount",
          "amount_too_large",
        );
    }
    const reason = asString(params.reason, "reason");
    if (reason !== undefined && !REASONS.has(reason))
      throw invalidRequest(`Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer`, "reason");
    const metadata = readMetadata(params.metadata, "metadata");
    const refund: RefundRecord = {
      id: stripeId("re", 24),
      chargeId: charge.id,
      paymentIntentId: charge.paymentIntentId,
      amount,
      currency: charge.currency,
      created: this.seconds(),
      status: pending ? "pending" : "succeeded",
      reason: (reason as RefundReason | undefined) ?? null,
      metadata,
      failureReason: null,
    };
    this.byId.set(refund.id, refund);
    const created = this.sender.emit("refund.created", toRefundObject(refund), request);
    const refunded = this.sender.emit(
      "charge.refunded",
      toChargeObject(charge, this.refundsOf(charge.id), { expandRefunds: this.embedChargeRefunds() }),
      request,
    );
    return { refund, created, refunded };
  }

  /** A pending refund succeeds or fails (test control, as the bank answers at Stripe). Sends refund.updated. */
  settle(
    refundId: string,
    status: Extract<RefundStatus, "succeeded" | "failed" | "canceled">,
  ): { refund: RefundRecord; event: StripeEvent<"refund.updated"> } {
    const refund = this.byId.get(refundId);
    if (refund === undefined) throw new Error(`No such refund: '${refundId}'`);
    if (refund.status !== "pending" && refund.status !== "requires_action")
      throw new Error(`Refund ${refundId} is ${refund.status}: only a pending refund can settle.`);
    refund.status = status;
    if (status === "failed") refund.failureReason = "lost_or_stolen_card";
    const event = this.sender.emit("refund.updated", toRefundObject(refund), { id: null, idempotency_key: null });
    return { refund, event };
  }
}

function missing(param: "charge" | "payment_intent", id: string): StripeApiError {
  return new StripeApiError({
    status: 404,
    type: "invalid_request_error",
    message: `No such ${param}: '${id}'`,
    param,
    code: "resource_missing",
  });
}

/** How Stripe writes an amount in a message: `$12.50`, or the code for other currencies (`12.50 eur`). */
function formatAmount(amount: number, currency: string): string {
  const factor = minorUnitFactor(currency);
  const major = factor === 1 ? String(amount) : (amount / factor).toFixed(2);
  return currency === "usd" ? `$${major}` : `${major} ${currency}`;
}
