import { releaseExpiredHoldsForAllShops, type Database, type HoldStore } from "@acme/platform-core";
import { createProgress } from "../create-progress.ts";
import type { BenchConfig } from "../read-bench-config.ts";

export interface ReaperPhaseResult {
  holds: number;
  seconds: number;
  released: number;
  /** Of the inserted expired holds, how many are still active afterwards (must be 0). */
  leftActive: number;
  /** Of the inserted expired holds, how many now read `expired`. */
  expired: number;
  shopErrors: Array<{ shopId: string; error: string }>;
  insertSeconds: number;
}

/**
 * The reaper after a busy day: `reaperHolds` expired, still-active holds of
 * one unit each, spread evenly over the cold variants, then one run of the
 * cron job. The backlog is written with set-based SQL in one transaction,
 * `reserved` included, so the database is consistent before the reaper
 * starts and reconciliation can check what it did.
 */
export async function runReaperPhase(
  config: BenchConfig,
  deps: { db: Database; holds: HoldStore },
): Promise<ReaperPhaseResult> {
  const progress = createProgress("reaper");
  const insertStarted = performance.now();
  const client = await deps.db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt")
       SELECT 'reap_' || g, $1, 'active', now() - interval '1 hour', now() - interval '2 hours', now() - interval '2 hours'
       FROM generate_series(0, $2::int - 1) g`,
      [config.shopId, config.reaperHolds],
    );
    await client.query(
      `WITH cold AS (
         SELECT sku, "variantKey", "productId", "variantAttributes", (row_number() OVER (ORDER BY sku COLLATE "C", "variantKey" COLLATE "C") - 1)::int AS n
         FROM "InventoryItem" WHERE "shopId" = $1 AND starts_with(sku, 'COLD-')
       ),
       lines AS (
         INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
         SELECT 'reapi_' || g, 'reap_' || g, $1, c.sku, c."productId", c."variantKey", c."variantAttributes", 1
         FROM generate_series(0, $2::int - 1) g JOIN cold c ON c.n = g % (SELECT count(*) FROM cold)
         RETURNING sku, "variantKey", quantity
       )
       UPDATE "InventoryItem" i SET reserved = i.reserved + t.units, "updatedAt" = now()
       FROM (SELECT sku, "variantKey", sum(quantity)::int AS units FROM lines GROUP BY 1, 2) t
       WHERE i."shopId" = $1 AND i.sku = t.sku AND i."variantKey" = t."variantKey"`,
      [config.shopId, config.reaperHolds],
    );
    await client.query("COMMIT");
    // Statistics as autovacuum would have them for a backlog that built up over
    // hours; without this the reaper would be timed against stale row estimates.
    await client.query(`ANALYZE "InventoryHold"`);
    await client.query(`ANALYZE "InventoryHoldItem"`);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  const insertSeconds = (performance.now() - insertStarted) / 1000;
  progress.update(
    0,
    `(backlog of ${config.reaperHolds} expired holds written in ${insertSeconds.toFixed(1)}s, reaping)`,
  );

  // The reaper is one call; a ticker keeps the progress line alive meanwhile.
  const ticker = setInterval(() => progress.update(0, "(reaping)"), 500);
  const started = performance.now();
  let result;
  try {
    result = await releaseExpiredHoldsForAllShops({
      store: deps.holds,
      batchSize: config.reaperBatchSize,
      maxBatchesPerShop: 1_000,
    });
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;

  const { rows } = await deps.db.pool.query<{ active: number; expired: number }>(
    `SELECT count(*) FILTER (WHERE status = 'active')::int AS active, count(*) FILTER (WHERE status = 'expired')::int AS expired
     FROM "InventoryHold" WHERE "shopId" = $1 AND starts_with(id, 'reap_')`,
    [config.shopId],
  );
  progress.finish(`${result.released} holds released in ${seconds.toFixed(2)}s`);
  return {
    holds: config.reaperHolds,
    seconds,
    released: result.released,
    leftActive: rows[0]?.active ?? -1,
    expired: rows[0]?.expired ?? -1,
    shopErrors: result.shops.flatMap((shop) =>
      shop.error === undefined ? [] : [{ shopId: shop.shopId, error: shop.error }],
    ),
    insertSeconds,
  };
}
