import { z } from "zod";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseOrThrow, shopIdSchema } from "../inventory/inputs.ts";
import { sequenceStockEvents } from "./sequence-stock-events.ts";
import { subscriptionIdSchema } from "./stock-event-subscription-inputs.ts";

const replaySchema = z.object({
  subscriptionId: subscriptionIdSchema,
  shopId: shopIdSchema,
  fromSeq: z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(Number.MAX_SAFE_INTEGER, "is too large"),
});

export interface ReplayStockEventsOptions {
  subscriptionId: unknown;
  shopId: unknown;
  /** The first sequence number to deliver again: 1 to the shop's last sequence number + 1 (the next event). */
  fromSeq: unknown;
  db?: Database;
  now?: Date;
}

/**
 * Moves a subscription's cursor in one shop back (or forward) so that
 * delivery resumes at `fromSeq`: deliveredSeq = fromSeq - 1, failures 0, due
 * now. A delivery in flight on that cursor loses its lease and records
 * nothing. `validation_failed` (`fromSeq`) outside 1..lastSeq+1, `not_found`
 * when the subscription has no cursor in that shop. Answers the cursor's
 * new deliveredSeq and the shop's lastSeq.
 */
export async function replayStockEvents(
  options: ReplayStockEventsOptions,
): Promise<{ deliveredSeq: number; lastSeq: number }> {
  const input = parseOrThrow(replaySchema, {
    subscriptionId: options.subscriptionId,
    shopId: options.shopId,
    fromSeq: options.fromSeq,
  });
  const db = options.db ?? getDatabase();
  const now = options.now ?? new Date();
  try {
    await sequenceStockEvents({ db, shopId: input.shopId });
    const { rows } = await db.pool.query<{ lastSeq: string; found: boolean; updated: boolean }>(
      `WITH shop AS (SELECT coalesce((SELECT "lastSeq" FROM "StockEventShop" WHERE "shopId" = $2), 0) AS "lastSeq"),
       upd AS (
         UPDATE "StockEventCursor" SET "deliveredSeq" = $3::bigint - 1, failures = 0, "nextAttemptAt" = $4,
           "leaseUntil" = NULL, "leaseId" = NULL
         WHERE "subscriptionId" = $1 AND "shopId" = $2 AND $3::bigint <= (SELECT "lastSeq" + 1 FROM shop)
         RETURNING 1
       )
       SELECT (SELECT "lastSeq" FROM shop)::text AS "lastSeq",
              EXISTS (SELECT 1 FROM "StockEventCursor" WHERE "subscriptionId" = $1 AND "shopId" = $2) AS found,
              EXISTS (SELECT 1 FROM upd) AS updated`,
      [input.subscriptionId, input.shopId, input.fromSeq, now],
    );
    const row = rows[0]!;
    const lastSeq = Number(row.lastSeq);
    if (!row.found) {
      throw new InventoryError(
        "not_found",
        `Subscription ${input.subscriptionId} does not receive shop ${input.shopId}.`,
      );
    }
    if (!row.updated) {
      throw InventoryError.validation([
        { field: "fromSeq", message: `must be at most ${lastSeq + 1} (the shop's last sequence number is ${lastSeq})` },
      ]);
    }
    return { deliveredSeq: input.fromSeq - 1, lastSeq };
  } catch (error) {
    throw toInventoryError(error);
  }
}
