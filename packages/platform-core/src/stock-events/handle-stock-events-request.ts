import { z } from "zod";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { errorResponse } from "../errors/error-response.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { authenticateIntegration } from "../integrations/authenticate-integration.ts";
import { listStockEvents } from "./list-stock-events.ts";
import { sequenceStockEvents } from "./sequence-stock-events.ts";
import { STOCK_EVENT_TYPES } from "./stock-event-types.ts";

const NO_STORE = { "cache-control": "no-store" };

const querySchema = z.object({
  after: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, "must be a sequence number (0 for the first event)")
    .transform(Number)
    .default(0),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, "must be 1 to 1000")
    .transform(Number)
    .pipe(z.number().max(1000, "must be 1 to 1000"))
    .default(100),
  types: z
    .string()
    .transform((value) => value.split(",").map((type) => type.trim()))
    .pipe(z.array(z.enum(STOCK_EVENT_TYPES, { error: `must be among ${STOCK_EVENT_TYPES.join(", ")}` })))
    .optional(),
});

/**
 * `GET /api/v1/shops/{shop}/stock-events?after=<seq>&limit=&types=` (docs/stock-events.md):
 * an integration's bearer token (the sync API's) for that shop; answers
 * `{ events, nextAfter, lastSeq }`, events after `after` in sequence order.
 * Ask again with `after=nextAfter` until `nextAfter` reaches `lastSeq`; a
 * `types` filter still moves `nextAfter` past the events it leaves out.
 * 401/403 for the token, 400 naming `after`, `limit` or `types`.
 */
export async function handleStockEventsRequest(
  request: Request,
  options: { shopId: string; database?: Database; now?: Date },
): Promise<Response> {
  try {
    const db = options.database ?? getDatabase();
    const shopId = parseShopId(options.shopId);
    await authenticateIntegration({ request, shopId, database: db, ...(options.now ? { now: options.now } : {}) });
    const params = new URL(request.url).searchParams;
    const query = parseOrThrow(querySchema, {
      after: params.get("after") ?? undefined,
      limit: params.get("limit") ?? undefined,
      types: params.get("types") ?? undefined,
    });
    // Committed events get their numbers now, so a reader never waits for a delivery run to see them.
    await sequenceStockEvents({ db, shopId });
    const page = await listStockEvents({
      db,
      shopId,
      afterSeq: query.after,
      limit: query.limit,
      ...(query.types ? { types: query.types } : {}),
    });
    return Response.json(
      { events: page.events, nextAfter: page.nextAfterSeq, lastSeq: page.lastSeq },
      { headers: NO_STORE },
    );
  } catch (error) {
    return errorResponse(error, { headers: NO_STORE });
  }
}
