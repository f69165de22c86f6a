import { flushBackgroundWork, handleReaperCron } from "@acme/platform-core";
import { after } from "next/server";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  after(flushBackgroundWork);
  return handleReaperCron(request);
}
