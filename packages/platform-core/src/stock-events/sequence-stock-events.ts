import { getDatabase, type Database } from "../db/prisma-client.ts";

export interface SequenceStockEventsOptions {
  db?: Database;
  /** Only this shop; default every shop with unsequenced events. */
  shopId?: string;
  /** Events numbered per function call (one short transaction each). Default 2,000. */
  batchSize?: number;
  /** Stop after this many events in all. Default 100,000. */
  maxEvents?: number;
}

/**
 * Numbers committed stock events (per shop, gap-free, commit order per
 * variant) and links each change of quantity to its ledger entry, by calling
 * stock_events_sequence shop by shop. Safe to run from any number of
 * instances at once: a shop's sequencer holds its StockEventShop row, so a
 * second one waits and then finds nothing left. Returns how many it numbered
 * per shop.
 */
export async function sequenceStockEvents(options: SequenceStockEventsOptions = {}): Promise<Map<string, number>> {
  const db = options.db ?? getDatabase();
  const batchSize = options.batchSize ?? 2000;
  let budget = options.maxEvents ?? 100_000;
  const shops =
    options.shopId !== undefined
      ? [options.shopId]
      : (
          await db.pool.query<{ shopId: string }>(
            `SELECT DISTINCT "shopId" FROM "StockEvent" WHERE seq IS NULL ORDER BY "shopId"`,
          )
        ).rows.map((row) => row.shopId);
  const counts = new Map<string, number>();
  for (const shopId of shops) {
    let total = 0;
    while (budget > 0) {
      const requested = Math.min(batchSize, budget);
      const { rows } = await db.pool.query<{ n: number }>(`SELECT stock_events_sequence($1, $2) AS n`, [
        shopId,
        requested,
      ]);
      const n = rows[0]?.n ?? 0;
      total += n;
      budget -= n;
      if (n < requested) break;
    }
    if (total > 0) counts.set(shopId, total);
  }
  return counts;
}
