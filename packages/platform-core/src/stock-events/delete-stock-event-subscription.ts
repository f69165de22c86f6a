import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { parseOrThrow } from "../inventory/inputs.ts";
import { subscriptionIdSchema } from "./stock-event-subscription-inputs.ts";

/**
 * Deletes a subscription and its cursors (the delivery log stays until
 * retention prunes it). A delivery in flight finds its lease gone and
 * changes nothing. `not_found` for an unknown id.
 */
export async function deleteStockEventSubscription(options: { id: unknown; db?: Database }): Promise<void> {
  const id = parseOrThrow(subscriptionIdSchema, options.id, "id");
  const db = options.db ?? getDatabase();
  const { rowCount } = await db.pool.query(`DELETE FROM "StockEventSubscription" WHERE id = $1`, [id]);
  if (!rowCount) throw new InventoryError("not_found", `No webhook subscription ${id}.`);
}
