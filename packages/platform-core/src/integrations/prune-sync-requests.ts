import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { IDEMPOTENCY_KEY_TTL_HOURS } from "./sync-inputs.ts";

/** Deleted per call at most: a minute's cron keeps up with far more than any shop sends, in short statements. */
const PRUNE_BATCH = 10_000;

/**
 * Forgets sync requests older than 24 h (their keys may then be used again;
 * `inventory_sync_set` already treats such a key as free). Called by the ops
 * cron every minute; answers how many were deleted.
 */
export async function pruneSyncRequests(options: { database?: Database; now?: Date } = {}): Promise<number> {
  const database = options.database ?? getDatabase();
  const now = options.now ?? new Date();
  try {
    const { rowCount } = await database.pool.query(
      `DELETE FROM "SyncRequest" WHERE ("integrationId", "idempotencyKey") IN (
         SELECT "integrationId", "idempotencyKey" FROM "SyncRequest"
         WHERE "createdAt" <= $1::timestamptz - make_interval(hours => $2)
         ORDER BY "createdAt" LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [now, IDEMPOTENCY_KEY_TTL_HOURS, PRUNE_BATCH],
    );
    return rowCount ?? 0;
  } catch (error) {
    throw toInventoryError(error);
  }
}
