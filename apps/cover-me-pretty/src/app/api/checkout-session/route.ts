import { flushBackgroundWork } from "@acme/platform-core";
import { after } from "next/server";
import { handleCheckoutSessionRequest } from "@/checkout/handle-checkout-session-request.ts";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  // Alerts and event counts a checkout starts finish even on a serverless instance.
  after(flushBackgroundWork);
  return handleCheckoutSessionRequest(request);
}
