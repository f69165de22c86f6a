import { getDatabase, type Database } from "../db/prisma-client.ts";
import {
  STOCK_EVENT_COLUMNS,
  toStockEventPayload,
  type StockEventPayload,
  type StockEventRow,
} from "./stock-event-payload.ts";
import type { StockEventType } from "./stock-event-types.ts";
import { stockEventType } from "./stock-event-types.ts";

export interface ListStockEventsOptions {
  db?: Database;
  shopId: string;
  /** Events after this sequence number (0: from the first). */
  afterSeq: number;
  /** At most this many (1-1000). Default 100. */
  limit?: number;
  /** Only these types; default all. */
  types?: readonly StockEventType[];
}

export interface StockEventPage {
  events: StockEventPayload[];
  /** The sequence number to ask after next: the last one read; when none is left, lastSeq (or afterSeq if later). */
  nextAfterSeq: number;
  /** The shop's last sequence number given out. */
  lastSeq: number;
}

/** A shop's sequenced stock events in sequence order: what replay and the events API read. */
export async function listStockEvents(options: ListStockEventsOptions): Promise<StockEventPage> {
  const db = options.db ?? getDatabase();
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  // lastSeq first: every event numbered up to it is readable now, so when none is left after afterSeq, those up
  // to lastSeq were pruned and the reader may move past them (read the other way round, it would skip new ones).
  const last = await db.pool.query<{ lastSeq: string }>(
    `SELECT "lastSeq"::text AS "lastSeq" FROM "StockEventShop" WHERE "shopId" = $1`,
    [options.shopId],
  );
  const lastSeq = Number(last.rows[0]?.lastSeq ?? 0);
  const { rows } = await db.pool.query<StockEventRow>(
    `SELECT ${STOCK_EVENT_COLUMNS} FROM "StockEvent"
     WHERE "shopId" = $1 AND seq > $2 AND seq IS NOT NULL ORDER BY "StockEvent".seq LIMIT $3`,
    [options.shopId, options.afterSeq, limit],
  );
  const wanted = options.types ? new Set<string>(options.types) : undefined;
  const events = rows.map(toStockEventPayload);
  const nextAfterSeq = events.length > 0 ? events[events.length - 1]!.sequence : Math.max(options.afterSeq, lastSeq);
  return {
    events: wanted ? events.filter((event) => wanted.has(stockEventType(event.reason))) : events,
    nextAfterSeq,
    lastSeq,
  };
}
