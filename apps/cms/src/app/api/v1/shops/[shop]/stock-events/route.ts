import { handleStockEventsRequest } from "@acme/platform-core/route-handlers";

export const dynamic = "force-dynamic";

/** A shop's stock events for machines, pulled by sequence number (docs/stock-events.md); an integration's token. */
export async function GET(request: Request, context: { params: Promise<{ shop: string }> }): Promise<Response> {
  return handleStockEventsRequest(request, { shopId: (await context.params).shop });
}
