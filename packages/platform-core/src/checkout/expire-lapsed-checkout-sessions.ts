import type Stripe from "stripe";
import { getMetrics } from "../metrics/metrics-registry.ts";
import { callStripePaced } from "./call-stripe-paced.ts";
import { getSessionRequestStore, type SessionRequestStore } from "./session-request-store.ts";
import { getStripe } from "./stripe-client.ts";
import type { StripePacer } from "./stripe-pacer.ts";

/**
 * Sessions are expired this long before their hold ends: one cron period
 * (every minute) and one run's budget, so in normal operation no session is
 * still payable once its hold's units are back on sale. The buyer's payment
 * page closes up to this much before the hold does.
 */
export const EXPIRE_LEAD_MS = 90_000;

export interface ExpireSessionsResult {
  /** Sessions expired through Stripe's API. */
  expired: number;
  /** Sessions Stripe had closed already (paid or expired): nothing to do. */
  closed: number;
  /** Left for the next run: throttled, Stripe failing, or out of time. */
  deferred: number;
  errors: string[];
}

/**
 * The reaper's Stripe half: a Checkout Session cannot expire itself sooner
 * than 30 minutes after it is made, so a hold with a shorter TTL (or one that
 * lapsed unopened, or was released) would leave a payable session behind.
 * When the hold's time is nearly up (`leadMs`, default 90 s ahead) this
 * expires the session through the API (`POST /v1/checkout/sessions/:id/expire`),
 * paced under the account's rate limits like session creation, soonest
 * first, within `budgetMs`. Stripe then
 * sends `checkout.session.expired`, which releases the hold (a no-op when the
 * reaper already has). A session Stripe refuses to expire is already paid or
 * expired: a paid one's webhook settles it under the paid-after-expiry rule.
 */
export async function expireLapsedCheckoutSessions(
  options: {
    now?: Date;
    leadMs?: number;
    limit?: number;
    budgetMs?: number;
    stripe?: Stripe;
    requests?: SessionRequestStore;
    pacer?: StripePacer;
    clock?: () => number;
  } = {},
): Promise<ExpireSessionsResult> {
  const clock = options.clock ?? Date.now;
  const requests = options.requests ?? getSessionRequestStore();
  const deadline = clock() + (options.budgetMs ?? 20_000);
  const due = await requests.listSessionsToClose({
    now: options.now ?? new Date(clock()),
    leadMs: options.leadMs ?? EXPIRE_LEAD_MS,
    limit: options.limit ?? 500,
  });
  const result: ExpireSessionsResult = { expired: 0, closed: 0, deferred: 0, errors: [] };
  const metrics = getMetrics().checkoutSessionExpiries;
  for (const [index, session] of due.entries()) {
    const remaining = deadline - clock();
    const outcome =
      remaining <= 0
        ? null
        : await callStripePaced({
            endpoint: "expire_checkout_session",
            budgetMs: remaining,
            call: () => (options.stripe ?? getStripe()).checkout.sessions.expire(session.sessionId),
            ...(options.pacer ? { pacer: options.pacer } : {}),
          });
    if (!outcome || (!outcome.ok && outcome.failure.kind !== "permanent")) {
      // Out of time or Stripe busy: this one and the rest wait for the next run.
      result.deferred = due.length - index;
      metrics.inc({ outcome: outcome ? "throttled" : "deferred" }, result.deferred);
      break;
    }
    if (!outcome.ok && outcome.failure.kind === "permanent" && outcome.failure.credentials) {
      result.errors.push(`${session.sessionId}: ${outcome.failure.message}`);
      result.deferred = due.length - index;
      metrics.inc({ outcome: "failed" }, result.deferred);
      break;
    }
    if (!outcome.ok) {
      // Stripe refuses to expire a session that is complete or expired already.
      result.closed += 1;
      metrics.inc({ outcome: "closed" });
    } else {
      result.expired += 1;
      metrics.inc({ outcome: "expired" });
    }
    const at = new Date(clock());
    try {
      await requests.markClosed({ shopId: session.shopId, holdId: session.holdId, now: at });
    } catch (error) {
      result.errors.push(`${session.sessionId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return result;
}
