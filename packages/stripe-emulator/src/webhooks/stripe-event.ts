import type { CheckoutSession } from "../checkout/checkout-session.ts";

export type CheckoutEventType =
  | "checkout.session.completed"
  | "checkout.session.expired"
  | "checkout.session.async_payment_succeeded"
  | "checkout.session.async_payment_failed";

/**
 * A Stripe event as webhooks carry it (snapshot payload); it type-checks as
 * the SDK's `Stripe.Event` (src/stripe-types.test-d.ts). Checkout Session
 * events never include line items, as at Stripe.
 */
export interface StripeEvent<Type extends CheckoutEventType = CheckoutEventType> {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: CheckoutSession };
  livemode: false;
  pending_webhooks: number;
  /** The API request that caused the event; null ids for buyer actions on the hosted page. */
  request: { id: string | null; idempotency_key: string | null };
  type: Type;
}
