import { flushBackgroundWork } from "@acme/platform-core";
import { handleInventoryAuthorityRequest } from "@acme/platform-core/route-handlers";
import { after } from "next/server";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  // Validation failures are counted in the background; keep the instance alive for them.
  after(flushBackgroundWork);
  return handleInventoryAuthorityRequest(request);
}
