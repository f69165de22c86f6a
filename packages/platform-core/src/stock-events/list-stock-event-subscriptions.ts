import { getDatabase, type Database } from "../db/prisma-client.ts";
import {
  SUBSCRIPTION_COLUMNS,
  withCursors,
  type StockEventSubscription,
  type SubscriptionRow,
} from "./stock-event-subscription-records.ts";

/** Every webhook subscription (newest first) with its cursors: lag, failures, last success per shop. */
export async function listStockEventSubscriptions(options: { db?: Database } = {}): Promise<StockEventSubscription[]> {
  const db = options.db ?? getDatabase();
  const { rows } = await db.pool.query<SubscriptionRow>(
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM "StockEventSubscription" ORDER BY "createdAt" DESC, id DESC`,
  );
  return withCursors(db.pool, rows);
}
