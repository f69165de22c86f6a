import type { ListObject } from "../checkout/checkout-session.ts";

export type RefundStatus = "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
export type RefundReason = "duplicate" | "fraudulent" | "requested_by_customer";

/** A refund, as the emulator stores it. */
export interface RefundRecord {
  id: string;
  chargeId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  created: number;
  status: RefundStatus;
  reason: RefundReason | null;
  metadata: Record<string, string>;
  failureReason: string | null;
}

/** The charge behind a paid Checkout Session (one per PaymentIntent), as the emulator stores it. */
export interface ChargeRecord {
  id: string;
  paymentIntentId: string;
  sessionId: string;
  amount: number;
  currency: string;
  created: number;
  email: string | null;
}

/** Stripe's `refund` object: every field the SDK's `Stripe.Refund` requires (src/stripe-types.test-d.ts). */
export interface RefundObject {
  id: string;
  object: "refund";
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  customer: null;
  customer_account: null;
  destination_details: {
    card: { reference_status: "pending"; reference_type: "acquirer_reference_number"; type: "refund" };
    type: "card";
  };
  failure_reason?: string;
  metadata: Record<string, string>;
  payment_intent: string;
  payment_method: null;
  reason: RefundReason | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: RefundStatus;
  transfer_reversal: null;
}

/** Stripe's `charge` object for a card payment; `refunds` only when the caller expands it, as at Stripe. */
export interface ChargeObject {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string;
  billing_details: { address: null; email: string | null; name: string | null; phone: null; tax_id: null };
  calculated_statement_descriptor: string;
  captured: true;
  created: number;
  currency: string;
  customer: null;
  description: null;
  disputed: false;
  failure_balance_transaction: null;
  failure_code: null;
  failure_message: null;
  fraud_details: Record<string, never>;
  livemode: false;
  metadata: Record<string, string>;
  on_behalf_of: null;
  outcome: null;
  paid: true;
  payment_intent: string;
  payment_method: null;
  payment_method_details: null;
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: null;
  refunded: boolean;
  refunds?: ListObject<RefundObject>;
  review: null;
  shipping: null;
  source: null;
  source_transfer: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: "succeeded";
  transfer_data: null;
  transfer_group: null;
}

export function toRefundObject(refund: RefundRecord): RefundObject {
  return {
    id: refund.id,
    object: "refund",
    amount: refund.amount,
    balance_transaction: refund.status === "succeeded" ? `txn_${refund.id.slice(3)}` : null,
    charge: refund.chargeId,
    created: refund.created,
    currency: refund.currency,
    customer: null,
    customer_account: null,
    destination_details: {
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
      type: "card",
    },
    ...(refund.failureReason === null ? {} : { failure_reason: refund.failureReason }),
    metadata: { ...refund.metadata },
    payment_intent: refund.paymentIntentId,
    payment_method: null,
    reason: refund.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: refund.status,
    transfer_reversal: null,
  };
}

/** Refunds that take money back: pending ones count, as at Stripe; failed and canceled ones do not. */
export function refundedAmount(refunds: readonly RefundRecord[]): number {
  return refunds
    .filter((refund) => refund.status !== "failed" && refund.status !== "canceled")
    .reduce((sum, refund) => sum + refund.amount, 0);
}

export function toChargeObject(
  charge: ChargeRecord,
  refunds: readonly RefundRecord[],
  { expandRefunds = false }: { expandRefunds?: boolean } = {},
): ChargeObject {
  const refunded = refundedAmount(refunds);
  return {
    id: charge.id,
    object: "charge",
    amount: charge.amount,
    amount_captured: charge.amount,
    amount_refunded: refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: `txn_${charge.id.slice(3)}`,
    billing_details: { address: null, email: charge.email, name: "Test Buyer", phone: null, tax_id: null },
    calculated_statement_descriptor: "ACME SHOP",
    captured: true,
    created: charge.created,
    currency: charge.currency,
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: charge.paymentIntentId,
    payment_method: null,
    payment_method_details: null,
    receipt_email: charge.email,
    receipt_number: null,
    receipt_url: null,
    refunded: refunded >= charge.amount,
    ...(expandRefunds
      ? {
          refunds: {
            object: "list" as const,
            data: [...refunds].reverse().map(toRefundObject),
            has_more: false,
            url: `/v1/charges/${charge.id}/refunds`,
          },
        }
      : {}),
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: null,
  };
}
