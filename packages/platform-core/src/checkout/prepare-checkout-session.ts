import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { sendOpsAlert } from "../alerts/send-ops-alert.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { getHoldStore } from "../holds/get-hold-store.ts";
import { releaseInventoryHold } from "../holds/release-inventory-hold.ts";
import type { HoldStore } from "../holds/types.ts";
import { getMetrics } from "../metrics/metrics-registry.ts";
import { retryDelayMs, sleep, THROTTLE_PAUSE_MS } from "./call-stripe-paced.ts";
import { checkoutTimes } from "./checkout-expiry.ts";
import { getSessionRequestStore, type SessionRequest, type SessionRequestStore } from "./session-request-store.ts";
import { baseIdempotencyKey, classifyStripeError, keyAfterFailure, type StripeFailure } from "./stripe-call-errors.ts";
import { getStripe, STRIPE_TIMEOUT_MS } from "./stripe-client.ts";
import { getStripePacer, type StripePacer } from "./stripe-pacer.ts";

/**
 * How long one attempt owns a request beyond the caller's own wait: two
 * Stripe attempts (the SDK retries a network failure once) at their timeout,
 * the SDK's pause between them, and a margin. Every write of an attempt is
 * fenced by its lease lease, so an attempt that outlives its lease writes
 * nothing (and expires the session it made, if any).
 */
export function sessionLeaseMs(budgetMs: number): number {
  return budgetMs + 2 * STRIPE_TIMEOUT_MS + 5_000;
}

export type PreparedSession =
  | { state: "ready"; sessionId: string; url: string; sessionExpiresAt: Date }
  /** Held and still being prepared: ask again after `retryAfterMs`. */
  | { state: "preparing"; retryAfterMs: number; sessionExpiresAt: Date };

export interface PrepareCheckoutSessionOptions {
  shopId: string;
  holdId: string;
  /**
   * How long this call may wait for a pacing slot and retries (ms); a call to Stripe in flight is bounded by its own
   * timeout.
   */
  budgetMs: number;
  stripe?: Stripe;
  pacer?: StripePacer;
  requests?: SessionRequestStore;
  holds?: HoldStore;
  /** Milliseconds since the epoch; default `Date.now` (the waits are real). */
  clock?: () => number;
  /** The request as this caller just wrote it, already taken (under `request.leaseId`) for its first attempt. */
  taken?: SessionRequest;
}

/**
 * Drives a hold's Checkout Session request toward a session, for at most
 * `budgetMs`: takes the request (one caller at a time, under a lease lease
 * that fences every write), waits for a slot under the account's rate
 * limits, and calls Stripe with the request's own parameters and idempotency
 * key, so a repeated call after a timeout replays the session the first one
 * made. Stripe keeps a 5xx under the key it answered (the key would replay it
 * forever), so after one the request moves to a new key (`…:r<attempt>`); a
 * 429 is not kept and the key stays.
 *
 * A throttled or transient failure keeps the hold and schedules the next
 * attempt (backoff with jitter). When the time to prepare under the current
 * parameters runs out (`prepareBy`: the session's `expires_at` must stay 30
 * minutes away), the request gets fresh times and a new key while its hold
 * lasts; only the hold's own end stops the attempts. A permanent refusal
 * releases the hold and fails with `payment_rejected`. Any caller may drive
 * it: the checkout route, the buyer's payment link, a script.
 */
export async function prepareCheckoutSession(options: PrepareCheckoutSessionOptions): Promise<PreparedSession> {
  const clock = options.clock ?? Date.now;
  const requests = options.requests ?? getSessionRequestStore();
  const deadline = clock() + Math.max(0, options.budgetMs);
  const key = { shopId: options.shopId, holdId: options.holdId };

  let taken = options.taken ? { request: options.taken, holdActive: true } : undefined;
  if (!taken) {
    // Most calls find the session made already (a reload, a replayed key): one read.
    const current = await requests.get(key);
    if (!current) throw new InventoryError("not_found", `No checkout is being prepared for hold ${options.holdId}.`);
    const settled = settledAnswer(current);
    if (settled) return settled;
  }
  for (;;) {
    const now = new Date(clock());
    const lease = taken?.request.leaseId ?? randomUUID();
    const claimed =
      taken ??
      (await requests.claim({
        ...key,
        now,
        lease,
        leaseUntil: new Date(now.getTime() + sessionLeaseMs(options.budgetMs)),
      }));
    taken = undefined;
    if (!claimed) {
      const current = await requests.get(key);
      if (!current) throw new InventoryError("not_found", `No checkout is being prepared for hold ${options.holdId}.`);
      const settled = settledAnswer(current);
      if (settled) return settled;
      // Another caller is attempting it, or its next attempt is not due yet.
      const dueAt = Math.max(current.nextAttemptAt.getTime(), current.leaseUntil?.getTime() ?? 0);
      const waitMs = Math.min(Math.max(dueAt - clock(), 50), 250);
      if (clock() + waitMs > deadline)
        return { state: "preparing", retryAfterMs: Math.max(waitMs, 250), sessionExpiresAt: current.sessionExpiresAt };
      await sleep(waitMs);
      continue;
    }
    let request = claimed.request;
    if (!claimed.holdActive) {
      return fail(
        request,
        lease,
        options,
        now,
        new InventoryError("conflict", "The hold for this checkout has ended; start the checkout again.", {
          details: { reason: "lapsed" },
        }),
        "lapsed",
      );
    }
    if (request.prepareBy.getTime() <= now.getTime()) {
      const refreshed = await refreshTimes(request, lease, options, now);
      if (!refreshed) continue;
      request = refreshed;
    }
    const pacer = options.pacer ?? getStripePacer();
    const slot = await pacer.take("create_checkout_session", Math.max(0, deadline - clock()));
    if ("retryInMs" in slot) {
      await requests.release({ ...key, lease, now, patch: {} });
      return {
        state: "preparing",
        retryAfterMs: Math.min(Math.max(slot.retryInMs, 250), 2_000),
        sessionExpiresAt: request.sessionExpiresAt,
      };
    }
    if (slot.waitMs > 0) await sleep(slot.waitMs);
    const stripe = options.stripe ?? getStripe();
    const attempts = request.attempts + 1;
    let session: Stripe.Checkout.Session;
    try {
      session = await stripe.checkout.sessions.create(request.params, { idempotencyKey: request.stripeIdempotencyKey });
    } catch (error) {
      const at = new Date(clock());
      const failure = classifyStripeError(error);
      getMetrics().checkoutSessionAttempts.inc({ outcome: failure.kind });
      if (failure.kind === "permanent")
        return fail(request, lease, options, at, permanentError(failure), failure.code ?? "invalid_request");
      if (failure.kind === "throttled")
        await pacer.defer("create_checkout_session", THROTTLE_PAUSE_MS, failure.scope).catch(() => {});
      const retryInMs = retryDelayMs(attempts);
      await requests.release({
        ...key,
        lease,
        now: at,
        patch: {
          attempts,
          nextAttemptAt: new Date(at.getTime() + retryInMs),
          errorCode: failure.kind,
          errorMessage: failure.message.slice(0, 500),
          stripeIdempotencyKey: keyAfterFailure(request.stripeIdempotencyKey, failure, attempts),
        },
      });
      if (clock() + retryInMs > deadline)
        return {
          state: "preparing",
          retryAfterMs: Math.max(retryInMs, 250),
          sessionExpiresAt: request.sessionExpiresAt,
        };
      await sleep(retryInMs);
      continue;
    }
    getMetrics().checkoutSessionAttempts.inc({ outcome: "created" });
    if (
      session.url &&
      (await requests.recordSession({
        ...key,
        lease,
        sessionId: session.id,
        url: session.url,
        attempts,
        now: new Date(clock()),
      }))
    ) {
      return { state: "ready", sessionId: session.id, url: session.url, sessionExpiresAt: request.sessionExpiresAt };
    }
    // This attempt's lease ran out while Stripe answered (another caller has the request now),
    // or the session has no page. The same session under the same key is the request's own answer;
    // any other is sent to nobody, so it must not stay payable.
    const current = await requests.get(key);
    if (session.url && current?.sessionId === session.id) {
      const settled = settledAnswer(current);
      if (settled) return settled;
    }
    await stripe.checkout.sessions.expire(session.id).catch((error: unknown) => {
      console.warn(
        JSON.stringify({
          level: "warn",
          event: "orphan_session_not_expired",
          sessionId: session.id,
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    });
    if (!session.url) {
      return fail(
        request,
        lease,
        options,
        new Date(clock()),
        new InventoryError(
          "unavailable",
          "The payment provider returned a checkout without a payment page. Nothing was charged; please try again.",
          { details: { reason: "not_prepared" } },
        ),
        "no_url",
      );
    }
  }
}

/**
 * The session's `expires_at` was fixed for attempts until `prepareBy`; past
 * it, while the hold lasts, the request gets fresh times under a new key (a
 * session an earlier call may have made under the old key was never
 * answered to anyone: nobody has its URL, and it expires by itself). Returns
 * null when the lease was lost meanwhile.
 */
async function refreshTimes(
  request: SessionRequest,
  lease: string,
  options: PrepareCheckoutSessionOptions,
  now: Date,
): Promise<SessionRequest | null> {
  const hold = await (options.holds ?? getHoldStore()).getHold({ shopId: request.shopId, holdId: request.holdId, now });
  if (!hold || hold.status !== "active")
    return fail(
      request,
      lease,
      options,
      now,
      new InventoryError("conflict", "The hold for this checkout has ended; start the checkout again.", {
        details: { reason: "lapsed" },
      }),
      "lapsed",
    );
  const times = checkoutTimes({ holdExpiresAt: hold.openExpiresAt ?? hold.expiresAt, now });
  const prepareBy = new Date(Math.min(times.prepareBy.getTime(), hold.expiresAt.getTime()));
  const patch = {
    params: { ...request.params, expires_at: Math.floor(times.sessionExpiresAt.getTime() / 1000) },
    sessionExpiresAt: times.sessionExpiresAt,
    prepareBy,
    stripeIdempotencyKey: `${baseIdempotencyKey(request.stripeIdempotencyKey)}:e${request.attempts}`,
  };
  const requests = options.requests ?? getSessionRequestStore();
  // Written and the lease taken again in two steps: a caller that loses the lease in between starts over.
  if (!(await requests.release({ shopId: request.shopId, holdId: request.holdId, lease, now, patch }))) return null;
  const again = await requests.claim({
    shopId: request.shopId,
    holdId: request.holdId,
    now,
    lease,
    leaseUntil: new Date(now.getTime() + sessionLeaseMs(options.budgetMs)),
  });
  return again?.holdActive ? again.request : null;
}

/** The answer of a request that is no longer being prepared. */
function settledAnswer(request: SessionRequest): PreparedSession | null {
  if (request.state === "ready" && request.sessionId && request.url) {
    return {
      state: "ready",
      sessionId: request.sessionId,
      url: request.url,
      sessionExpiresAt: request.sessionExpiresAt,
    };
  }
  if (request.state === "failed") throw storedError(request);
  return null;
}

export function permanentError(failure: Extract<StripeFailure, { kind: "permanent" }>): InventoryError {
  if (failure.credentials)
    return new InventoryError("misconfigured", "The payment provider refused this shop's credentials.");
  return new InventoryError("payment_rejected", `The payment provider refused this checkout: ${failure.message}`, {
    details: {
      provider: {
        name: "stripe",
        status: failure.status,
        code: failure.code,
        param: failure.param,
        message: failure.message,
      },
    },
  });
}

/** A failed request answers every later call the way it failed. */
export function storedError(request: SessionRequest): InventoryError {
  if (request.errorCode === "lapsed") {
    return new InventoryError("conflict", "The hold for this checkout has ended; start the checkout again.", {
      details: { reason: "lapsed" },
    });
  }
  if (request.errorCode === "no_url") {
    return new InventoryError(
      "unavailable",
      "The payment page could not be prepared. Nothing was charged and the items are no longer held; please try again.",
      {
        details: { reason: "not_prepared" },
      },
    );
  }
  if (request.errorCode === "credentials")
    return new InventoryError("misconfigured", "The payment provider refused this shop's credentials.");
  const message = request.errorMessage ?? "The payment provider refused this checkout.";
  return new InventoryError("payment_rejected", `The payment provider refused this checkout: ${message}`, {
    details: { provider: { name: "stripe", code: request.errorCode, param: request.errorParam, message } },
  });
}

/**
 * Ends a request for good, while this caller holds its lease: records why
 * (so every later call answers the same), then gives the hold back. After a
 * refusal the hold keeps its idempotency key: Stripe would refuse the same
 * cart again, so a retry of it gets the same answer (a changed cart is a new
 * key). Otherwise the key is freed, so the buyer's retry can hold stock
 * again. A caller whose lease ran out changes nothing.
 */
async function fail(
  request: SessionRequest,
  lease: string,
  options: PrepareCheckoutSessionOptions,
  now: Date,
  error: InventoryError,
  code: string,
): Promise<never> {
  const requests = options.requests ?? getSessionRequestStore();
  const provider = (error.details.provider ?? {}) as { param?: string | null; message?: string };
  const ended = await requests.release({
    shopId: request.shopId,
    holdId: request.holdId,
    lease,
    now,
    patch: {
      state: "failed",
      errorCode: error.code === "misconfigured" ? "credentials" : code,
      errorMessage: (provider.message ?? error.message).slice(0, 500),
      errorParam: provider.param ?? null,
    },
  });
  if (!ended)
    throw new InventoryError("unavailable", "The checkout is being prepared by another request; please try again.");
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
      details: {
        shopId: request.shopId,
        holdId: request.holdId,
        error: releaseError instanceof Error ? releaseError.message : String(releaseError),
      },
    });
  }
  throw error;
}
