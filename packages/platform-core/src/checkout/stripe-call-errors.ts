import Stripe from "stripe";

/**
 * What a failed Stripe call means for the checkout:
 * - `throttled`: over a rate limit (429): the same call succeeds later.
 * - `transient`: Stripe or the network failed (5xx, 409 lock timeouts, timeouts, resets).
 *   `storedUnderKey`: Stripe answered with an error it keeps under the
 *   idempotency key (a 5xx: the same key replays that error), so the next
 *   attempt needs a new key. A network failure or timeout is retried under
 *   the same key: if the call did reach Stripe, the key replays its result.
 * - `permanent`: Stripe refused the call itself (400 `amount_too_small`, an unsupported
 *   currency, an idempotency mismatch, bad credentials): retrying never helps.
 */
export type StripeFailure =
  | { kind: "throttled"; scope: "endpoint" | "global"; message: string }
  | { kind: "transient"; message: string; storedUnderKey: boolean }
  | {
      kind: "permanent";
      status: number;
      code: string | null;
      param: string | null;
      message: string;
      credentials: boolean;
    };

export function classifyStripeError(error: unknown): StripeFailure {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return {
      kind: "transient",
      message: error instanceof Error ? error.message : String(error),
      storedUnderKey: false,
    };
  }
  const status = error.statusCode;
  if (status === 429 || error instanceof Stripe.errors.StripeRateLimitError) {
    const reason = headerValue(error.headers, "stripe-rate-limited-reason") ?? "";
    return { kind: "throttled", scope: reason.startsWith("global") ? "global" : "endpoint", message: error.message };
  }
  if (status === undefined || status >= 500 || status === 409 || error instanceof Stripe.errors.StripeConnectionError) {
    return { kind: "transient", message: error.message, storedUnderKey: status !== undefined && status >= 500 };
  }
  return {
    kind: "permanent",
    status,
    code: error.code ?? null,
    param: error.param ?? null,
    message: error.message,
    credentials:
      error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError,
  };
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

/**
 * The idempotency key for the attempt after `failure`: Stripe keeps a 5xx
 * under the key it answered (the key would replay it forever), so the next
 * attempt moves to `<base>:r<attempt>`; after anything else (a 429 is not
 * kept, a lost call may have made a session the same key replays) the key
 * stays.
 */
export function keyAfterFailure(key: string, failure: StripeFailure, attempt: number): string {
  if (failure.kind !== "transient" || !failure.storedUnderKey) return key;
  return `${baseIdempotencyKey(key)}:r${attempt}`;
}

/** A request's key without the suffix a retry (`:rN`) or a renewal (`:eN`) gave it. */
export function baseIdempotencyKey(key: string): string {
  return key.replace(/:[re]\d+$/, "");
}
