// A compile-time test (tsc checks it; vitest does not run it): what the
// emulator answers must type-check as the SDK's own types, which Stripe
// generates from its OpenAPI spec. No casts: every line is an assignment.
import type Stripe from "stripe";
import { lineItemList, toCheckoutSession, type SessionRecord } from "./checkout/checkout-session.ts";
import type { StripeEmulator } from "./start-stripe-emulator.ts";
import type { CheckoutEventType, StripeEvent } from "./webhooks/stripe-event.ts";
import { toChargeObject, toRefundObject, type ChargeRecord, type RefundRecord } from "./refunds/refund-objects.ts";

/**
 * A Stripe type as it is on the wire, and held to its documented values:
 * - the SDK's enums end in `| OtherString` (any string, so new values do not
 *   break integrations), which would let `ui_mode: "hosted"` through; here an
 *   enum is only its listed values;
 * - the SDK turns decimal strings into `Stripe.Decimal` objects after reading
 *   a response (`V2Coercion`, `decimal_string`); on the wire they are strings.
 */
type OnTheWire<T> = WireOf<T, ListedValues<T>>;
type ListedValues<T> = T extends string ? (string extends T ? never : T) : never;
type WireOf<T, Listed> = [Listed] extends [never] ? WireMembers<T> : Listed | WireMembers<Exclude<T, string>>;
type WireMembers<T> = T extends Stripe.Decimal
  ? string
  : T extends ReadonlyArray<infer Item>
    ? OnTheWire<Item>[]
    : T extends object
      ? { [Key in keyof T]: OnTheWire<T[Key]> }
      : T;

// The strict form is what catches a wrong enum value: the SDK's own type takes any string.
export const laxTakesAnything: Stripe.Checkout.Session["ui_mode"] = "hosted";
// @ts-expect-error "hosted" is not one of this API version's ui_mode values (hosted_page is)
export const strictRefuses: OnTheWire<Stripe.Checkout.Session>["ui_mode"] = "hosted";

declare const emulator: StripeEmulator;

// Checkout Sessions, as the API and the test controls return them.
export const session: Stripe.Checkout.Session = emulator.session("cs_test_x");
export const strictSession: OnTheWire<Stripe.Checkout.Session> = emulator.session("cs_test_x");
export const paid: OnTheWire<Stripe.Checkout.Session> = emulator.pay("cs_test_x").session;
export const listed: OnTheWire<Stripe.Checkout.Session>[] = emulator.sessions();

// What the API answers when line items are expanded (down to the product).
declare const record: SessionRecord;
export const expanded: OnTheWire<Stripe.Checkout.Session> = toCheckoutSession(
  record,
  new Set(["line_items.data.price.product"]),
);
export const lineItems: OnTheWire<Stripe.ApiList<Stripe.LineItem>> = lineItemList(record, true);

// Events, as webhooks carry them.
type CheckoutEvent = Extract<Stripe.Event, { type: `checkout.session.${string}` }>;
declare const sent: StripeEvent<CheckoutEventType>;
export const event: Stripe.Event = sent;
export const strictEvent: OnTheWire<CheckoutEvent> = sent;
export const events: Stripe.Event[] = emulator.events();
export const completed: OnTheWire<Stripe.CheckoutSessionCompletedEvent> = emulator.pay("cs_test_x").event;

// Refunds and the charge they refund, as the API answers and refund events carry them.
declare const refundRecord: RefundRecord;
declare const chargeRecord: ChargeRecord;
export const refund: OnTheWire<Stripe.Refund> = toRefundObject(refundRecord);
export const charge: OnTheWire<Stripe.Charge> = toChargeObject(chargeRecord, [refundRecord], { expandRefunds: true });
export const refunds: OnTheWire<Stripe.Refund>[] = emulator.refunds();
export const refundCreated: OnTheWire<Stripe.RefundCreatedEvent> = emulator.refund({ paymentIntent: "pi_x" }).event;
export const refundUpdated: OnTheWire<Stripe.RefundUpdatedEvent> = emulator.settleRefund("re_x", "succeeded").event;
declare const chargeRefunded: StripeEvent<"charge.refunded">;
export const chargeRefundedEvent: OnTheWire<Stripe.ChargeRefundedEvent> = chargeRefunded;

// Coupons and promotion codes (the pinned version's `promotion: { type, coupon }` shape).
export const coupons: OnTheWire<Stripe.Coupon>[] = emulator.coupons();
export const promotionCodes: OnTheWire<Stripe.PromotionCode>[] = emulator.promotionCodes();
