import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import { requireBearer } from "../http/bearer-auth.ts";
import { releaseExpiredHoldsForAllShops } from "./release-expired-inventory-holds.ts";
import type { HoldStore } from "./types.ts";

/**
 * `GET /api/cron/release-expired-holds` (Vercel cron, or any scheduler):
 * requires `Authorization: Bearer $CRON_SECRET`, then reaps every shop and
 * reports `{ released, durationMs, shops: [{ shopId, released, error? }] }`.
 * 500 when any shop failed, so the scheduler records the run as failed.
 */
export async function handleReaperCron(request: Request, options: { secret?: string; store?: HoldStore; now?: Date } = {}): Promise<Response> {
  try {
    requireBearer(request, options.secret ?? getEnv().CRON_SECRET, "CRON_SECRET");
    const result = await releaseExpiredHoldsForAllShops({
      ...(options.store ? { store: options.store } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const failed = result.shops.some((shop) => shop.error !== undefined);
    return Response.json(result, { status: failed ? 500 : 200, headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error, { headers: { "cache-control": "no-store" } });
  }
}
