import { flushOpsAlertDeliveries, flushOpsEvents, flushStockAlerts, handleOpsAlertCron } from "@acme/platform-core";
import { after } from "next/server";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  // The cron awaits its own deliveries; `after` keeps the function alive for
  // anything it left in the background (events counted, alerts queued).
  after(() => Promise.all([flushOpsEvents(), flushOpsAlertDeliveries(), flushStockAlerts()]));
  return handleOpsAlertCron(request);
}
