/**
 * Stripe's API limiters, as `https://docs.stripe.com/rate-limits` describes
 * them: requests per second per account (global), per endpoint (a method and
 * path template: `POST /v1/checkout/sessions` and
 * `POST /v1/checkout/sessions/:id/expire` are two endpoints, every session id
 * shares one), and a concurrency limiter on requests in flight.
 */
export interface StripeLimits {
  /** Requests per second across the whole API; also the burst (a full bucket). */
  globalPerSecond: number;
  /** Requests per second on one endpoint; also its burst. */
  endpointPerSecond: number;
  /** Requests in flight at once, from arrival until the response is sent (injected latency included). */
  concurrency: number;
}

/**
 * The `Stripe-Rate-Limited-Reason` values the emulator sends. Stripe also
 * documents `endpoint-concurrency` and `resource-specific` (per-object limits
 * such as PaymentIntent updates), which nothing here models.
 */
export type RateLimitReason = "global-rate" | "endpoint-rate" | "global-concurrency";

export const RATE_LIMIT_REASONS: readonly RateLimitReason[] = ["global-rate", "endpoint-rate", "global-concurrency"];

/**
 * Stripe publishes no number for its general concurrency limiter (the rate
 * limits page only says one exists). The one figure Stripe has given is in its
 * engineering post on these limiters ("Scaling your API with rate limiters":
 * "you can only have 20 API requests in progress at the same time"), so both
 * presets use 20.
 */
const STRIPE_CONCURRENCY = 20;

/** Sandbox (test mode): 25 requests per second globally and per endpoint. */
export const STRIPE_SANDBOX_LIMITS: Readonly<StripeLimits> = Object.freeze({
  globalPerSecond: 25,
  endpointPerSecond: 25,
  concurrency: STRIPE_CONCURRENCY,
});

/** Live mode: 100 requests per second globally, 25 per endpoint. */
export const STRIPE_LIVE_LIMITS: Readonly<StripeLimits> = Object.freeze({
  globalPerSecond: 100,
  endpointPerSecond: 25,
  concurrency: STRIPE_CONCURRENCY,
});

/** Refuses limits that could never admit a request; `Infinity` turns one limit off. */
export function checkLimits(limits: StripeLimits | false): StripeLimits | false {
  if (limits === false) return false;
  for (const key of ["globalPerSecond", "endpointPerSecond", "concurrency"] as const) {
    const value = limits[key];
    if (typeof value !== "number" || Number.isNaN(value) || value < 1) {
      throw new Error(
        `Stripe emulator limits: ${key} must be a number of at least 1 (Infinity for no limit), not ${String(value)}`,
      );
    }
  }
  return {
    globalPerSecond: limits.globalPerSecond,
    endpointPerSecond: limits.endpointPerSecond,
    concurrency: limits.concurrency,
  };
}
