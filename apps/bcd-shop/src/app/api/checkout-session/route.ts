import { flushBackgroundWork } from "@acme/platform-core";
import { handleCheckoutSessionRequest } from "@acme/platform-core/route-handlers";
import { after } from "next/server";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  // Alerts and counts a checkout starts finish even on a serverless instance.
  after(flushBackgroundWork);
  return handleCheckoutSessionRequest(request, storefront);
}
