import { z } from "zod";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { parseOrThrow, shopIdSchema } from "../inventory/inputs.ts";
import { subscriptionIdSchema } from "./stock-event-subscription-inputs.ts";

/** One delivery attempt of a batch, as the CMS's delivery log shows it. */
export interface StockEventDeliveryAttempt {
  id: string;
  shopId: string;
  fromSeq: number;
  toSeq: number;
  events: number;
  attempt: number;
  outcome: "sent" | "failed";
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  deliveryId: string | null;
  createdAt: string;
}

export interface StockEventDeliveryPage {
  deliveries: StockEventDeliveryAttempt[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: string | null;
}

const querySchema = z.object({
  subscriptionId: subscriptionIdSchema,
  shopId: shopIdSchema.optional(),
  before: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, "must be a delivery id")
    // 19 digits can still be past bigint; the cast would fail in the database (500).
    .refine((value) => BigInt(value) <= 9_223_372_036_854_775_807n, "must be a delivery id")
    .optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** A subscription's delivery attempts, newest first, `limit` a page (keyset pagination on the log's id). */
export async function listStockEventDeliveries(options: {
  subscriptionId: unknown;
  shopId?: unknown;
  before?: unknown;
  limit?: unknown;
  db?: Database;
}): Promise<StockEventDeliveryPage> {
  const input = parseOrThrow(querySchema, {
    subscriptionId: options.subscriptionId,
    shopId: options.shopId,
    before: options.before,
    limit: options.limit,
  });
  const db = options.db ?? getDatabase();
  const { rows } = await db.pool.query<{
    id: string;
    shopId: string;
    fromSeq: string;
    toSeq: string;
    events: number;
    attempt: number;
    outcome: "sent" | "failed";
    httpStatus: number | null;
    error: string | null;
    durationMs: number;
    deliveryId: string | null;
    createdAt: Date;
  }>(
    `SELECT id::text AS id, "shopId", "fromSeq"::text AS "fromSeq", "toSeq"::text AS "toSeq", events, attempt, outcome,
            "httpStatus", error, "durationMs", "deliveryId", "createdAt"
     FROM "StockEventDelivery"
     WHERE "subscriptionId" = $1 AND ($2::text IS NULL OR "shopId" = $2) AND ($3::bigint IS NULL OR id < $3::bigint)
     ORDER BY id DESC LIMIT $4`,
    [input.subscriptionId, input.shopId ?? null, input.before ?? null, input.limit + 1],
  );
  const page = rows.slice(0, input.limit);
  return {
    deliveries: page.map((row) => ({
      ...row,
      fromSeq: Number(row.fromSeq),
      toSeq: Number(row.toSeq),
      createdAt: row.createdAt.toISOString(),
    })),
    nextBefore: rows.length > input.limit ? page[page.length - 1]!.id : null,
  };
}
