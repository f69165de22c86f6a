import type { CheckoutSession } from "../checkout/checkout-session.ts";
import type { ChargeObject, RefundObject } from "../refunds/refund-objects.ts";

export type CheckoutEventType =
  | "checkout.session.completed"
  | "checkout.session.expired"
  | "checkout.session.async_payment_succeeded"
  | "checkout.session.async_payment_failed";

export type RefundEventType = "refund.created" | "refund.updated" | "charge.refunded";

/** Every event type the emulator sends, and the object each carries. */
export interface EventObjects {
  "checkout.session.completed": CheckoutSession;
  "checkout.session.expired": CheckoutSession;
  "checkout.session.async_payment_succeeded": CheckoutSession;
  "checkout.session.async_payment_failed": CheckoutSession;
  "refund.created": RefundObject;
  "refund.updated": RefundObject;
  "charge.refunded": ChargeObject;
}

export type EmulatorEventType = keyof EventObjects;

/**
 * A Stripe event as webhooks carry it (snapshot payload); it type-checks as
 * the SDK's `Stripe.Event` (src/stripe-types.test-d.ts). Checkout Session
 * events never include line items, as at Stripe.
 */
export type StripeEvent<Type extends EmulatorEventType = EmulatorEventType> = {
  [T in Type]: {
    id: string;
    object: "event";
    api_version: string;
    created: number;
    data: { object: EventObjects[T] };
    livemode: false;
    pending_webhooks: number;
    /** The API request that caused the event; null ids for buyer actions on the hosted page. */
    request: { id: string | null; idempotency_key: string | null };
    type: T;
  };
}[Type];
