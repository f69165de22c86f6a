import { HOLD_TTL_MAX_SECONDS } from "../env.ts";

/**
 * Stripe refuses a Checkout Session that expires less than 30 minutes after it
 * is created; one more minute absorbs clock skew and request latency.
 */
export const STRIPE_MIN_SESSION_SECONDS = 31 * 60;
/** How long a hold outlives its Checkout Session, to absorb webhook delays. */
export const HOLD_GRACE_SECONDS = 5 * 60;

export interface CheckoutTimes {
  /** When Stripe stops accepting payment for the session. */
  sessionExpiresAt: Date;
  /** TTL of the stock hold, in seconds (reserve_ttl mode). */
  holdTtlSeconds: number;
}

/**
 * Reconciles the hold TTL with Stripe's session expiry so that a buyer can
 * never pay for a hold that silently lapsed:
 *
 *   session lifetime = clamp(requested TTL, 31 min, 3600 s - 5 min)
 *   hold lifetime    = session lifetime + 5 min
 *
 * Stripe stops taking payment when the session expires, and the hold lives
 * 5 minutes longer, so every card payment lands while its stock is still held.
 * A requested TTL under 31 minutes is raised to 31 minutes (Stripe's minimum is 30);
 * when Stripe reports `checkout.session.expired`, the hold is released at once.
 * Delayed payment methods (bank transfers) complete later; their hold is kept
 * through the payment window (see the webhook handler).
 */
export function checkoutTimes(options: { requestedTtlSeconds: number; now: Date }): CheckoutTimes {
  const sessionSeconds = Math.min(
    Math.max(options.requestedTtlSeconds, STRIPE_MIN_SESSION_SECONDS),
    HOLD_TTL_MAX_SECONDS - HOLD_GRACE_SECONDS,
  );
  return {
    sessionExpiresAt: new Date(options.now.getTime() + sessionSeconds * 1000),
    holdTtlSeconds: sessionSeconds + HOLD_GRACE_SECONDS,
  };
}
