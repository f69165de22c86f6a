/** Stripe refuses a Checkout Session that expires less than 30 minutes after it is created. */
export const STRIPE_MIN_SESSION_SECONDS = 30 * 60;
/**
 * How long after its hold a checkout's session may still be created: the
 * attempts that wait out Stripe's rate limits and outages. The session's
 * `expires_at` is fixed when the hold is made (a retried call must send the
 * same parameters), so it is set far enough out to stay valid that long.
 */
export const SESSION_PREPARE_SECONDS = 3 * 60;
/** Clock skew and request latency between this server and Stripe. */
const SKEW_SECONDS = 60;
/**
 * A session that ends with its hold stops taking payment this long before the hold lapses, so late webhooks still find
 * it held.
 */
export const HOLD_GRACE_SECONDS = 5 * 60;

export interface CheckoutTimes {
  /** When Stripe stops accepting payment for the session on its own. */
  sessionExpiresAt: Date;
  /** The last moment an attempt to create the session may start. */
  prepareBy: Date;
}

/**
 * The session's times, given its hold's (full-term) expiry. The hold keeps
 * the TTL the shop asked for; Stripe cannot end a session sooner than 30
 * minutes after it is made, so:
 *
 *   session expires_at = max(hold expiry - 5 min, now + 30 min + 3 min + 1 min)
 *   prepare by         = min(now + 3 min, hold expiry)
 *
 * When the session outlives its hold (any TTL under 39 minutes), the reaper
 * expires the session through Stripe's API when the hold's time is up
 * (`expireLapsedCheckoutSessions`); a payment that lands in between follows
 * the paid-after-expiry rule (sold again if the stock remains, otherwise an
 * oversold record and a critical alert).
 */
export function checkoutTimes(options: { holdExpiresAt: Date; now: Date }): CheckoutTimes {
  const now = options.now.getTime();
  const hold = options.holdExpiresAt.getTime();
  const floor = now + (STRIPE_MIN_SESSION_SECONDS + SESSION_PREPARE_SECONDS + SKEW_SECONDS) * 1000;
  return {
    sessionExpiresAt: new Date(Math.ceil(Math.max(hold - HOLD_GRACE_SECONDS * 1000, floor) / 1000) * 1000),
    prepareBy: new Date(Math.min(now + SESSION_PREPARE_SECONDS * 1000, hold)),
  };
}
