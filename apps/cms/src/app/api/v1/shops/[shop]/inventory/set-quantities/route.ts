import { flushBackgroundWork } from "@acme/platform-core";
import { handleSetInventoryQuantitiesRequest } from "@acme/platform-core/route-handlers";
import { after } from "next/server";

export const dynamic = "force-dynamic";

/** The sync API's write (docs/sync-api.md): an integration's bearer token, an Idempotency-Key, lines to set. */
export async function POST(request: Request, context: { params: Promise<{ shop: string }> }): Promise<Response> {
  // A write may cross a low-stock threshold: let its alert go out after the answer.
  after(flushBackgroundWork);
  return handleSetInventoryQuantitiesRequest(request, { shopId: (await context.params).shop });
}
