import type { Database } from "@acme/platform-core";
import { BASELINE_FLOOR_SKU, BASELINE_SEED_SKU } from "../cold-sku.ts";

/**
 * The baselines keep only part of the platform's bookkeeping (the seed
 * approach never touches `reserved`; the floor writes holds without lines), so
 * their rows would read as drift. Once measured, they are removed and their
 * variants reset, leaving a database whose invariants the final checks can
 * hold the platform to, then vacuumed. Returns the hold rows each baseline left, as a check
 * of its own count.
 */
export async function removeBaselineRows(
  db: Database,
  shopId: string,
): Promise<{ seedHolds: number; floorHolds: number; floorReserved: number }> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    const floor = await client.query<{ reserved: number }>(
      `SELECT reserved FROM "InventoryItem" WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = '' FOR UPDATE`,
      [shopId, BASELINE_FLOOR_SKU],
    );
    const seed = await client.query(`DELETE FROM "InventoryHold" WHERE "shopId" = $1 AND starts_with(id, 'bseed_')`, [
      shopId,
    ]);
    const floorHolds = await client.query(
      `DELETE FROM "InventoryHold" WHERE "shopId" = $1 AND starts_with(id, 'bfloor_')`,
      [shopId],
    );
    await client.query(
      `UPDATE "InventoryItem" SET reserved = 0 WHERE "shopId" = $1 AND sku IN ($2, $3) AND "variantKey" = ''`,
      [shopId, BASELINE_SEED_SKU, BASELINE_FLOOR_SKU],
    );
    await client.query("COMMIT");
    // The deletions are the harness's own mess: vacuum them now rather than
    // let autovacuum run through the next measured phase.
    await client.query(`VACUUM (ANALYZE) "InventoryHold", "InventoryHoldItem", "InventoryItem"`);
    return {
      seedHolds: seed.rowCount ?? 0,
      floorHolds: floorHolds.rowCount ?? 0,
      floorReserved: floor.rows[0]?.reserved ?? 0,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
