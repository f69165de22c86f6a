import { flushBackgroundWork } from "@acme/platform-core";
import { handleOpsAlertCron } from "@acme/platform-core/route-handlers";
import { after } from "next/server";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  // The cron awaits its own deliveries; `after` keeps the function alive for
  // anything it left in the background (events counted, alerts queued).
  after(flushBackgroundWork);
  return handleOpsAlertCron(request);
}
