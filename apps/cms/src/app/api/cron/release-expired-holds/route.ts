import { flushBackgroundWork } from "@acme/platform-core";
import { handleReaperCron } from "@acme/platform-core/route-handlers";
import { after } from "next/server";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  after(flushBackgroundWork);
  return handleReaperCron(request);
}
