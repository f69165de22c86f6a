import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import { requireBearer } from "../http/bearer-auth.ts";
import { expireLapsedCheckoutSessions } from "../checkout/expire-lapsed-checkout-sessions.ts";
import type { SessionRequestStore } from "../checkout/session-request-store.ts";
import { releaseExpiredHoldsForAllShops } from "./release-expired-inventory-holds.ts";
import type { HoldStore } from "./types.ts";

/**
 * `GET /api/cron/release-expired-holds` (Vercel cron, or any scheduler):
 * requires `Authorization: Bearer $CRON_SECRET`, then expires the Stripe
 * sessions of holds whose time is up (`expireLapsedCheckoutSessions`), reaps
 * every shop and reports `{ released, durationMs, shops: [{ shopId,
 * released, error? }], sessions: { expired, closed, deferred, errors } }`.
 * 500 when any shop failed, or Stripe refused the credentials, so the
 * scheduler records the run as failed.
 */
export async function handleReaperCron(
  request: Request,
  options: { secret?: string; store?: HoldStore; requests?: SessionRequestStore; now?: Date } = {},
): Promise<Response> {
  try {
    requireBearer(request, options.secret ?? getEnv().CRON_SECRET, "CRON_SECRET");
    const sessions = await expireLapsedCheckoutSessions({
      ...(options.now ? { now: options.now } : {}),
      ...(options.requests ? { requests: options.requests } : {}),
    }).catch((error: unknown) => ({
      expired: 0,
      closed: 0,
      deferred: 0,
      errors: [error instanceof Error ? error.message : String(error)],
    }));
    const reaped = await releaseExpiredHoldsForAllShops({
      ...(options.store ? { store: options.store } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const result = { ...reaped, sessions };
    const failed = reaped.shops.some((shop) => shop.error !== undefined) || sessions.errors.length > 0;
    return Response.json(result, { status: failed ? 500 : 200, headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error, { headers: { "cache-control": "no-store" } });
  }
}
