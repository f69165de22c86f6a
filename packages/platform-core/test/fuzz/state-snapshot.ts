// Fuzz tests: the stored state a refused request must leave exactly as it was.
import type { Database } from "../../src/db/prisma-client.ts";

/** Every table a stock, hold or webhook request can write (sign-in throttling and metrics counters excluded). */
export const STATE_TABLES = [
  "InventoryItem",
  "InventoryLevel",
  "StockLocation",
  "StockTransfer",
  "ShopAllocationPolicy",
  "StockLedgerEntry",
  "InventoryHold",
  "InventoryHoldItem",
  "ProcessedWebhookEvent",
  "OversoldSale",
  "StockAlertState",
  "StockAlertCrossing",
  "Operator",
  "ShopHoldPolicy",
] as const;

/** All rows of the state tables, as canonical JSON text: equal snapshots mean nothing changed. */
export async function stateSnapshot(database: {
  pool: Pick<Database["pool"], "query">;
}): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const table of STATE_TABLES) {
    const { rows } = await database.pool.query<{ row: string }>(
      `SELECT to_jsonb(t)::text AS row FROM "${table}" t ORDER BY 1`,
    );
    snapshot[table] = rows.map((r) => r.row);
  }
  return snapshot;
}
