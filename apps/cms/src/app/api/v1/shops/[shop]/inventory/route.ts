import { handleSyncInventoryRequest } from "@acme/platform-core/route-handlers";

export const dynamic = "force-dynamic";

/** The sync API's read (docs/sync-api.md): quantity, reserved, available and version per variant and location. */
export async function GET(request: Request, context: { params: Promise<{ shop: string }> }): Promise<Response> {
  return handleSyncInventoryRequest(request, { shopId: (await context.params).shop });
}
