import { flushOpsEvents } from "../metrics/ops-events.ts";
import { flushOpsAlertDeliveries } from "./send-ops-alert.ts";
import { flushStockAlerts } from "./stock-alerts.ts";

/**
 * Waits for everything the library does after answering: stock-alert and
 * ops-alert deliveries and ops event counts. Serverless routes hand it to
 * Next's `after()`, so the instance is not frozen with work half done.
 */
export async function flushBackgroundWork(): Promise<void> {
  await Promise.all([flushOpsEvents(), flushOpsAlertDeliveries(), flushStockAlerts()]);
}
