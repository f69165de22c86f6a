import { getDatabase, type Database } from "../db/prisma-client.ts";

const DAY_MS = 86_400_000;

export const STOCK_EVENT_RETENTION_DAYS = 30;
export const STOCK_EVENT_DELIVERY_RETENTION_DAYS = 30;

export interface PruneStockEventsOptions {
  db?: Database;
  now?: Date;
  /** Sequenced events older than this are deleted. Default 30. */
  eventDays?: number;
  /** Delivery log rows older than this are deleted. Default 30. */
  deliveryDays?: number;
  /** Rows deleted per statement (short statements, no long lock on the tables). Default 5,000. */
  batchSize?: number;
  /** Stop after this long, the rest waits for the next run. Default 10 s. */
  budgetMs?: number;
}

/**
 * Retention: deletes sequenced stock events and delivery log rows older than
 * their retention, in short batches. Unsequenced events are never deleted.
 * A subscriber (or an events API reader) further behind than the retention
 * does not get the pruned events: retention bounds replay.
 */
export async function pruneStockEvents(
  options: PruneStockEventsOptions = {},
): Promise<{ events: number; deliveries: number }> {
  const db = options.db ?? getDatabase();
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 5000;
  const deadline = Date.now() + (options.budgetMs ?? 10_000);
  const eventsBefore = new Date(now.getTime() - (options.eventDays ?? STOCK_EVENT_RETENTION_DAYS) * DAY_MS);
  const deliveriesBefore = new Date(
    now.getTime() - (options.deliveryDays ?? STOCK_EVENT_DELIVERY_RETENTION_DAYS) * DAY_MS,
  );
  const drain = async (sql: string, before: Date) => {
    let total = 0;
    for (;;) {
      const { rowCount } = await db.pool.query(sql, [before, batchSize]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize || Date.now() > deadline) return total;
    }
  };
  const events = await drain(
    // The oldest rows by id (the primary key: no scan of the table when nothing is old yet); ids grow with time.
    `WITH oldest AS (SELECT id, seq, "createdAt" FROM "StockEvent" ORDER BY id LIMIT $2)
     DELETE FROM "StockEvent" e USING oldest o WHERE e.id = o.id AND o.seq IS NOT NULL AND o."createdAt" < $1`,
    eventsBefore,
  );
  const deliveries = await drain(
    `DELETE FROM "StockEventDelivery" WHERE id IN (
       SELECT id FROM "StockEventDelivery" WHERE "createdAt" < $1 ORDER BY id LIMIT $2)`,
    deliveriesBefore,
  );
  return { events, deliveries };
}
