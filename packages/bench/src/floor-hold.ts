import type pg from "pg";

/**
 * The per-transaction floor's one hold: raw `pg`, one transaction of a
 * conditional UPDATE of `reserved` plus one INSERT of a hold row (no lines).
 * False, with nothing written, when fewer than `units` are available.
 */
export async function takeFloorHold(
  client: pg.ClientBase,
  hold: { shopId: string; sku: string; holdId: string; units: number },
): Promise<boolean> {
  try {
    await client.query("BEGIN");
    const updated = await client.query(
      `UPDATE "InventoryItem" SET reserved = reserved + $3
       WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = '' AND quantity - reserved >= $3`,
      [hold.shopId, hold.sku, hold.units],
    );
    if (updated.rowCount === 0) {
      await client.query("COMMIT");
      return false;
    }
    const now = new Date();
    await client.query(
      `INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "updatedAt") VALUES ($1, $2, 'active', $3, $4)`,
      [hold.holdId, hold.shopId, new Date(now.getTime() + 600_000), now],
    );
    await client.query("COMMIT");
    return true;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
