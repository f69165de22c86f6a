import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { parseOrThrow } from "../inventory/inputs.ts";
import { subscriptionIdSchema } from "./stock-event-subscription-inputs.ts";
import {
  SUBSCRIPTION_COLUMNS,
  withCursors,
  type StockEventSubscription,
  type SubscriptionRow,
} from "./stock-event-subscription-records.ts";

/** One subscription with its cursors; `not_found` for an unknown id, `validation_failed` (`id`) for a malformed one. */
export async function getStockEventSubscription(options: {
  id: unknown;
  db?: Database;
}): Promise<StockEventSubscription> {
  const id = parseOrThrow(subscriptionIdSchema, options.id, "id");
  const db = options.db ?? getDatabase();
  const { rows } = await db.pool.query<SubscriptionRow>(
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM "StockEventSubscription" WHERE id = $1`,
    [id],
  );
  if (rows.length === 0) throw new InventoryError("not_found", `No webhook subscription ${id}.`);
  const [subscription] = await withCursors(db.pool, rows);
  return subscription!;
}
