import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import { requireBearer } from "../http/bearer-auth.ts";
import { deliverStockEvents, type DeliverStockEventsOptions } from "./deliver-stock-events.ts";
import { pruneStockEvents } from "./prune-stock-events.ts";

/** A cron run delivers for this long, leaving room for pruning and the slowest attempt within a 60 s function. */
export const STOCK_EVENTS_CRON_BUDGET_MS = 30_000;

/**
 * `GET|POST /api/cron/stock-events` (every minute): requires `Authorization:
 * Bearer $CRON_SECRET`, delivers stock events for a time budget (the safety
 * net behind the after-response passes), then prunes what is past retention.
 * Answers `{ delivery: StockEventDeliveryResult, pruned: { events, deliveries } }`;
 * 503 when the database cannot answer, so the scheduler records a failed run.
 */
export async function handleStockEventsCron(
  request: Request,
  options: { secret?: string } & Omit<DeliverStockEventsOptions, "budgetMs"> & { budgetMs?: number } = {},
): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  try {
    const { secret, ...delivery } = options;
    requireBearer(request, secret ?? getEnv().CRON_SECRET, "CRON_SECRET");
    const result = await deliverStockEvents({ budgetMs: STOCK_EVENTS_CRON_BUDGET_MS, ...delivery });
    const pruned = await pruneStockEvents({
      ...(options.db ? { db: options.db } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    return Response.json({ delivery: result, pruned }, { headers });
  } catch (error) {
    return errorResponse(error, { headers });
  }
}
