import { flushOpsEvents } from "../metrics/ops-events.ts";
import { flushOpsAlertDeliveries } from "./send-ops-alert.ts";
import { flushStockAlerts } from "./stock-alerts.ts";
import { runBackgroundStockEventDelivery } from "../stock-events/run-background-stock-event-delivery.ts";

/**
 * Waits for everything the library does after answering: stock-alert and
 * ops-alert deliveries, ops event counts and a stock event delivery pass. Serverless routes hand it to
 * Next's `after()`, so the instance is not frozen with work half done.
 */
export async function flushBackgroundWork(): Promise<void> {
  await Promise.all([
    flushOpsEvents(),
    flushOpsAlertDeliveries(),
    flushStockAlerts(),
    // A throttled stock event delivery pass, so subscribers hear of this request's changes without a worker.
    runBackgroundStockEventDelivery(),
  ]);
  // Alerts that pass raised (a webhook failing, or delivering again).
  await flushOpsAlertDeliveries();
}
