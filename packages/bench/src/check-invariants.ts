import { reconcileInventoryReserved, type Database, type HoldStore, type ReconcileDrift } from "@acme/platform-core";

export interface InvariantReport {
  reconcileOk: boolean;
  drift: ReconcileDrift[];
  /** Rows with reserved > quantity, quantity < 0 or reserved < 0 (the CHECKs should make this 0). */
  badRows: number;
  /** Units held or sold beyond stock, summed over rows (reserved above quantity, quantity below zero). */
  oversoldUnits: number;
}

/** The platform's own reconciliation plus a direct look at every stock row. */
export async function checkInvariants(db: Database, holds: HoldStore): Promise<InvariantReport> {
  const report = await reconcileInventoryReserved({ store: holds });
  // The table's CHECKs should make both zero; this reads the rows rather than trusting them.
  const { rows } = await db.pool.query<{ bad: number; oversold: number }>(
    `SELECT count(*) FILTER (WHERE reserved > quantity OR quantity < 0 OR reserved < 0)::int AS bad,
            coalesce(sum(greatest(reserved - quantity, 0) + greatest(-quantity, 0)), 0)::int AS oversold
     FROM "InventoryItem"`,
  );
  return {
    reconcileOk: report.drift.length === 0,
    drift: report.drift.slice(0, 20),
    badRows: rows[0]?.bad ?? -1,
    oversoldUnits: rows[0]?.oversold ?? -1,
  };
}
