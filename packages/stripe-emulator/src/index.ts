export { DEFAULT_RETRY, STRIPE_API_VERSION, startStripeEmulator } from "./start-stripe-emulator.ts";
export type { FailNextCreateOptions, StripeEmulator, StripeEmulatorOptions } from "./start-stripe-emulator.ts";
export type { ApiRequestRecord } from "./api/handle-api-request.ts";
export type { StripeErrorType } from "./api/stripe-api-error.ts";
export type {
  CheckoutSession,
  ExpandedCheckoutSession,
  LineItemObject,
  PaymentStatus,
  SessionStatus,
} from "./checkout/checkout-session.ts";
export { SUPPORTED_CURRENCIES } from "./checkout/currencies.ts";
export type { CouponObject, PromotionCodeObject } from "./discounts/coupon-objects.ts";
export { DEMO_COUPONS } from "./discounts/seed-coupons.ts";
export type { CouponSeed } from "./discounts/seed-coupons.ts";
export { SessionStateError } from "./checkout/checkout-sessions.ts";
export { STRIPE_LIVE_LIMITS, STRIPE_SANDBOX_LIMITS } from "./limits/stripe-limits.ts";
export type { RateLimitReason, StripeLimits } from "./limits/stripe-limits.ts";
export { MAX_SESSION_SECONDS, MIN_SESSION_SECONDS } from "./checkout/create-checkout-session.ts";
export { signWebhookPayload } from "./webhooks/sign-webhook-payload.ts";
export { startWebhookReceiver } from "./webhooks/start-webhook-receiver.ts";
export type { ReceivedWebhook, WebhookReceiver } from "./webhooks/start-webhook-receiver.ts";
export type {
  CheckoutEventType,
  EmulatorEventType,
  EventObjects,
  RefundEventType,
  StripeEvent,
} from "./webhooks/stripe-event.ts";
export type { ChargeObject, RefundObject, RefundReason, RefundStatus } from "./refunds/refund-objects.ts";
export type { DeliveryAttempt, DeliveryMode, DeliveryResult, RetryPolicy } from "./webhooks/webhook-sender.ts";
