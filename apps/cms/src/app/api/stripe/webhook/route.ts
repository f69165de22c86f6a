import { flushBackgroundWork } from "@acme/platform-core";
import { handleStripeWebhook } from "@acme/platform-core/route-handlers";
import { after } from "next/server";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  // Alerts and event counts a settlement starts finish even on a serverless instance.
  after(flushBackgroundWork);
  return handleStripeWebhook(request);
}
