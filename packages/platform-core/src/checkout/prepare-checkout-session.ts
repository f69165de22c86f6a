import type Stripe from "stripe";
import { sendOpsAlert } from "../alerts/send-ops-alert.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { releaseInventoryHold } from "../holds/release-inventory-hold.ts";
import type { HoldStore } from "../holds/types.ts";
import { getMetrics } from "../metrics/metrics-registry.ts";
import { getSessionRequestStore, type SessionRequest, type SessionRequestStore } from "./session-request-store.ts";
import { retryDelayMs, sleep, THROTTLE_PAUSE_MS } from "./call-stripe-paced.ts";
import { classifyStripeError, type StripeFailure } from "./stripe-call-errors.ts";
import { getStripe } from "./stripe-client.ts";
import { getStripePacer, type StripePacer } from "./stripe-pacer.ts";

/** How long one attempt owns a request: longer than a Stripe call may take (two 10 s attempts). */
export const SESSION_LEASE_MS = 30_000;

export type PreparedSession =
  | { state: "ready"; sessionId: string; url: string; sessionExpiresAt: Date }
  /** Held and still being prepared: ask again after `retryAfterMs`. */
  | { state: "preparing"; retryAfterMs: number; sessionExpiresAt: Date };

export interface PrepareCheckoutSessionOptions {
  shopId: string;
  holdId: string;
  /** How long this call may wait for a pacing slot and retries (ms). */
  budgetMs: number;
  stripe?: Stripe;
  pacer?: StripePacer;
  requests?: SessionRequestStore;
  holds?: HoldStore;
  /** Milliseconds since the epoch; default `Date.now` (the waits are real). */
  clock?: () => number;
  /** The request as this caller just wrote it, already taken for its first attempt (skips taking it). */
  taken?: SessionRequest;
}

/**
 * Drives a hold's Checkout Session request toward a session, for at most
 * `budgetMs`: takes the request (one instance at a time), waits for a slot
 * under the account's rate limits, and calls Stripe with the request's own
 * parameters and idempotency key, so a repeated call after a timeout
 * replays the session the first one made. Stripe keeps a 5xx under the key
 * it answered (the key would replay it forever), so after one the request
 * moves to a new key (`…:r<attempt>`); a 429 is not kept and the key
 * stays. A throttled or transient failure keeps the hold and schedules the
 * next attempt (backoff with jitter); a permanent refusal, or running out of
 * time to prepare (`prepareBy`), releases the hold and fails with
 * `payment_rejected` or `unavailable`. Any instance may call it again: the
 * checkout route, the buyer's payment link, a script.
 */
export async function prepareCheckoutSession(options: PrepareCheckoutSessionOptions): Promise<PreparedSession> {
  const clock = options.clock ?? Date.now;
  const requests = options.requests ?? getSessionRequestStore();
  const deadline = clock() + Math.max(0, options.budgetMs);
  const key = { shopId: options.shopId, holdId: options.holdId };

  let taken = options.taken;
  for (;;) {
    const now = new Date(clock());
    const claimed = taken ?? (await requests.claim({ ...key, now, leaseUntil: new Date(now.getTime() + SESSION_LEASE_MS) }));
    taken = undefined;
    if (!claimed) {
      const current = await requests.get(key);
      if (!current) throw new InventoryError("not_found", `No checkout is being prepared for hold ${options.holdId}.`);
      const settled = settledAnswer(current);
      if (settled) return settled;
      // Another instance is attempting it, or its next attempt is not due yet.
      const dueAt = Math.max(current.nextAttemptAt.getTime(), current.leaseUntil?.getTime() ?? 0);
      const waitMs = Math.min(Math.max(dueAt - clock(), 50), 250);
      if (clock() + waitMs > deadline) return { state: "preparing", retryAfterMs: Math.max(waitMs, 250), sessionExpiresAt: current.sessionExpiresAt };
      await sleep(waitMs);
      continue;
    }
    if (claimed.prepareBy.getTime() <= now.getTime()) {
      return fail(claimed, options, now, new InventoryError("unavailable", "The payment page could not be prepared in time. Nothing was charged and the items are no longer held; please try again."), "prepare_timeout");
    }
    const pacer = options.pacer ?? getStripePacer();
    const slot = await pacer.take("create_checkout_session", Math.max(0, deadline - clock()));
    if ("retryInMs" in slot) {
      await requests.update({ ...key, now, patch: { leaseUntil: null } });
      return { state: "preparing", retryAfterMs: Math.min(Math.max(slot.retryInMs, 250), 2_000), sessionExpiresAt: claimed.sessionExpiresAt };
    }
    if (slot.waitMs > 0) await sleep(slot.waitMs);
    const stripe = options.stripe ?? getStripe();
    const attempts = claimed.attempts + 1;
    try {
      const session = await stripe.checkout.sessions.create(claimed.params, { idempotencyKey: claimed.stripeIdempotencyKey });
      if (!session.url) throw new InventoryError("internal", "The payment provider returned a checkout without a payment page.");
      await requests.recordSession({ ...key, sessionId: session.id, url: session.url, attempts, now: new Date(clock()) });
      getMetrics().checkoutSessionAttempts.inc({ outcome: "created" });
      return { state: "ready", sessionId: session.id, url: session.url, sessionExpiresAt: claimed.sessionExpiresAt };
    } catch (error) {
      const at = new Date(clock());
      if (error instanceof InventoryError) {
        return fail(claimed, options, at, new InventoryError("unavailable", "The payment provider returned a checkout without a payment page. Nothing was charged; please try again."), "no_url");
      }
      const failure = classifyStripeError(error);
      getMetrics().checkoutSessionAttempts.inc({ outcome: failure.kind });
      if (failure.kind === "permanent") return fail(claimed, options, at, permanentError(failure), failure.code ?? "invalid_request");
      if (failure.kind === "throttled") await pacer.defer("create_checkout_session", THROTTLE_PAUSE_MS, failure.scope).catch(() => {});
      const retryInMs = retryDelayMs(attempts);
      await requests.update({
        ...key,
        now: at,
        patch: {
          attempts,
          leaseUntil: null,
          nextAttemptAt: new Date(at.getTime() + retryInMs),
          errorCode: failure.kind,
          errorMessage: failure.message.slice(0, 500),
          ...(failure.kind === "transient" && failure.storedUnderKey ? { stripeIdempotencyKey: `${baseKey(claimed.stripeIdempotencyKey)}:r${attempts}` } : {}),
        },
      });
      if (clock() + retryInMs > deadline) return { state: "preparing", retryAfterMs: Math.max(retryInMs, 250), sessionExpiresAt: claimed.sessionExpiresAt };
      await sleep(retryInMs);
    }
  }
}

function baseKey(key: string): string {
  return key.replace(/:r\d+$/, "");
}

/** The answer of a request that is no longer being prepared. */
function settledAnswer(request: SessionRequest): PreparedSession | null {
  if (request.state === "ready" && request.sessionId && request.url) {
    return { state: "ready", sessionId: request.sessionId, url: request.url, sessionExpiresAt: request.sessionExpiresAt };
  }
  if (request.state === "failed") throw storedError(request);
  return null;
}

export function permanentError(failure: Extract<StripeFailure, { kind: "permanent" }>): InventoryError {
  if (failure.credentials) return new InventoryError("misconfigured", "The payment provider refused this shop's credentials.");
  return new InventoryError("payment_rejected", `The payment provider refused this checkout: ${failure.message}`, {
    details: { provider: { name: "stripe", status: failure.status, code: failure.code, param: failure.param, message: failure.message } },
  });
}

/** A failed request answers every later call the way it failed. */
export function storedError(request: SessionRequest): InventoryError {
  if (request.errorCode === "prepare_timeout" || request.errorCode === "no_url") {
    return new InventoryError("unavailable", "The payment page could not be prepared. Nothing was charged and the items are no longer held; please try again.");
  }
  if (request.errorCode === "credentials") return new InventoryError("misconfigured", "The payment provider refused this shop's credentials.");
  const message = request.errorMessage ?? "The payment provider refused this checkout.";
  return new InventoryError("payment_rejected", `The payment provider refused this checkout: ${message}`, {
    details: { provider: { name: "stripe", code: request.errorCode, param: request.errorParam, message } },
  });
}

/**
 * Ends a request for good: records why (so every later call answers the
 * same), then gives the hold back. After a refusal the hold keeps its
 * idempotency key: Stripe would refuse the same cart again, so a retry of it
 * gets the same answer (a changed cart is a new key). After running out of
 * time the key is freed, so the buyer's retry can hold stock again.
 */
async function fail(request: SessionRequest, options: PrepareCheckoutSessionOptions, now: Date, error: InventoryError, code: string): Promise<never> {
  const requests = options.requests ?? getSessionRequestStore();
  const provider = (error.details.provider ?? {}) as { param?: string | null; message?: string };
  await requests.update({
    shopId: request.shopId,
    holdId: request.holdId,
    now,
    patch: {
      state: "failed",
      leaseUntil: null,
      errorCode: error.code === "misconfigured" ? "credentials" : code,
      errorMessage: (provider.message ?? error.message).slice(0, 500),
      errorParam: provider.param ?? null,
    },
  });
  try {
    await releaseInventoryHold({
      shopId: request.shopId,
      holdId: request.holdId,
      now,
      forgetIdempotencyKey: error.code !== "payment_rejected",
      ...(options.holds ? { store: options.holds } : {}),
    });
  } catch (releaseError) {
    await sendOpsAlert({
      severity: "warning",
      kind: "checkout_hold_release_failed",
      message: `Hold ${request.holdId} could not be released after its checkout failed; it lapses at its TTL.`,
      details: { shopId: request.shopId, holdId: request.holdId, error: releaseError instanceof Error ? releaseError.message : String(releaseError) },
    });
  }
  throw error;
}
