import { flushBackgroundWork } from "@acme/platform-core";
import { handleStockEventsCron } from "@acme/platform-core/route-handlers";
import { after } from "next/server";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

function run(request: Request): Promise<Response> {
  // Alerts a failing webhook raised are delivered after the answer.
  after(flushBackgroundWork);
  return handleStockEventsCron(request);
}

export const GET = run;
export const POST = run;
