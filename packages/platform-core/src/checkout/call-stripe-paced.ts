import { classifyStripeError, keyAfterFailure, type StripeFailure } from "./stripe-call-errors.ts";
import { getStripePacer, type StripeEndpoint, type StripePacer } from "./stripe-pacer.ts";

/** After a 429 nobody calls the endpoint for this long: Stripe's limiter has just said the budget is spent. */
export const THROTTLE_PAUSE_MS = 1_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 4_000;

/** Backoff before attempt `attempts + 1`: 250 ms doubling to 4 s, jittered over its upper half. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const backoff = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
  return Math.round(backoff / 2 + random() * (backoff / 2));
}

export type PacedCallResult<T> =
  | { ok: true; value: T }
  | { ok: false; failure: StripeFailure }
  /** No slot under the rate limits within the budget. */
  | { ok: false; failure: { kind: "no_slot"; retryInMs: number } };

/**
 * One Stripe call made within the account's pacing, retried after a
 * throttled or transient failure (backoff with jitter) until `budgetMs` is
 * spent. `call(idempotencyKey)` must be safe to repeat: an operation that is
 * the same when repeated (expiring a session), or one sent under the key it
 * is given, which starts as `idempotencyKey` and moves on after a 5xx
 * (`keyAfterFailure`).
 */
export async function callStripePaced<T>(options: {
  endpoint: StripeEndpoint;
  budgetMs: number;
  call: (idempotencyKey: string | undefined) => Promise<T>;
  idempotencyKey?: string;
  pacer?: StripePacer;
  clock?: () => number;
}): Promise<PacedCallResult<T>> {
  const clock = options.clock ?? Date.now;
  const pacer = options.pacer ?? getStripePacer();
  const deadline = clock() + Math.max(0, options.budgetMs);
  let key = options.idempotencyKey;
  for (let attempts = 1; ; attempts++) {
    const slot = await pacer.take(options.endpoint, Math.max(0, deadline - clock()));
    if ("retryInMs" in slot) return { ok: false, failure: { kind: "no_slot", retryInMs: slot.retryInMs } };
    if (slot.waitMs > 0) await sleep(slot.waitMs);
    try {
      return { ok: true, value: await options.call(key) };
    } catch (error) {
      const failure = classifyStripeError(error);
      if (failure.kind === "permanent") return { ok: false, failure };
      if (key !== undefined) key = keyAfterFailure(key, failure, attempts);
      if (failure.kind === "throttled")
        await pacer.defer(options.endpoint, THROTTLE_PAUSE_MS, failure.scope).catch(() => {});
      const delay = retryDelayMs(attempts);
      if (clock() + delay > deadline) return { ok: false, failure };
      await sleep(delay);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
