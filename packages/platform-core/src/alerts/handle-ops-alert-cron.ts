import { getDatabase, type Database } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import { requireBearer } from "../http/bearer-auth.ts";
import { pruneSyncRequests } from "../integrations/prune-sync-requests.ts";
import { flushOpsEvents } from "../metrics/ops-events.ts";
import type { AlertChannels } from "./alert-channels.ts";
import { evaluateOpsAlertRules } from "./ops-alert-rules.ts";
import type { OpsAlertStore } from "./ops-alert-store.ts";
import { deliverPendingStockAlerts } from "./stock-alerts.ts";

/**
 * `GET /api/cron/ops-alerts` (every minute): requires `Authorization: Bearer
 * $CRON_SECRET` like the reaper, evaluates the ops rules, and delivers any
 * low-stock crossings still waiting (the safety net for processes that ended
 * before their background delivery ran), and forgets sync API requests older
 * than 24 h. Answers `{ rules: OpsRuleEvaluation[], stockAlerts:
 * StockAlertDrainResult, syncRequestsPruned: number }`.
 */
export async function handleOpsAlertCron(
  request: Request,
  options: { secret?: string; now?: Date; database?: Database; store?: OpsAlertStore; channels?: AlertChannels } = {},
): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  try {
    requireBearer(request, options.secret ?? getEnv().CRON_SECRET, "CRON_SECRET");
    const database = options.database ?? getDatabase();
    await flushOpsEvents();
    const rules = await evaluateOpsAlertRules({
      database,
      ...(options.now ? { now: options.now } : {}),
      ...(options.store ? { store: options.store } : {}),
      ...(options.channels ? { channels: options.channels } : {}),
    });
    const stockAlerts = await deliverPendingStockAlerts({
      database,
      ...(options.now ? { now: options.now } : {}),
      ...(options.channels ? { channels: options.channels } : {}),
    });
    // Sync API idempotency keys are kept 24 h; this is where older ones go.
    const syncRequestsPruned = await pruneSyncRequests({ database, ...(options.now ? { now: options.now } : {}) });
    return Response.json({ rules, stockAlerts, syncRequestsPruned }, { headers });
  } catch (error) {
    return errorResponse(error, { headers });
  }
}
