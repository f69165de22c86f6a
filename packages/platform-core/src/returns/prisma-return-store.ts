import { z } from "zod";
import { afterStockWrite, STOCK_CROSSED_SQL } from "../alerts/stock-alerts.ts";
import type { Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { postgresErrorCode } from "../errors/postgres-error-code.ts";
import {
  DEFAULT_RETURN_POLICY,
  type DecideReturnAnswer,
  type PaidCheckoutView,
  type RecordReturnAnswer,
  type ReturnMapping,
  type ReturnPolicy,
  type ReturnStore,
  type StockReturnStatus,
  type StockReturnView,
} from "./types.ts";

// SQL answers are parsed once, here.
const lineSchema = z.object({
  sku: z.string(),
  variantKey: z.string(),
  location: z.string(),
  quantity: z.number().int(),
});
const paidLineSchema = lineSchema.extend({ unitAmount: z.number().int().nullable() });
const statusSchema = z.enum(["restocked", "not_restocked", "pending", "dismissed"]);
const recordAnswerSchema = z.discriminatedUnion("outcome", [
  z.object({ outcome: z.literal("recorded"), status: statusSchema, restocked: z.array(lineSchema) }),
  z.object({ outcome: z.literal("duplicate"), status: statusSchema }),
  z.object({ outcome: z.literal("stale") }),
  z.object({ outcome: z.literal("no_checkout") }),
]);
const decideAnswerSchema = z.union([
  z.object({
    outcome: z.enum(["restocked", "dismissed"]),
    status: statusSchema,
    restocked: z.array(lineSchema).default([]),
  }),
  z.object({ outcome: z.literal("conflict"), status: statusSchema }),
  z.object({ outcome: z.literal("not_found") }),
  z.object({
    errors: z.array(
      z.object({
        index: z.number().int().optional(),
        field: z.string(),
        message: z.string(),
        max: z.number().optional(),
      }),
    ),
  }),
]);

function parseAnswer<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InventoryError("internal", `Unexpected answer from the database for ${what}.`);
  return parsed.data;
}

interface ReturnRow {
  refundId: string;
  shopId: string;
  sessionId: string;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  status: string;
  mapping: string;
  lines: unknown;
  restocked: unknown;
  note: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const RETURN_COLUMNS = `"refundId", "shopId", "sessionId", "paymentIntentId", amount, currency, status, mapping, lines, restocked,
  note, "decidedBy", "decidedAt", "createdAt", "updatedAt"`;

function toReturn(row: ReturnRow): StockReturnView {
  return {
    refundId: row.refundId,
    shopId: row.shopId,
    sessionId: row.sessionId,
    paymentIntentId: row.paymentIntentId,
    amount: row.amount,
    currency: row.currency,
    status: statusSchema.parse(row.status),
    mapping: row.mapping as ReturnMapping,
    lines: z.array(lineSchema).parse(row.lines),
    restocked: z.array(lineSchema).parse(row.restocked),
    note: row.note,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

interface CheckoutRow {
  sessionId: string;
  shopId: string;
  holdId: string | null;
  paymentIntentId: string | null;
  currency: string;
  amountTotal: number;
  lines: unknown;
  createdAt: Date;
}

function toCheckout(row: CheckoutRow): PaidCheckoutView {
  return { ...row, lines: z.array(paidLineSchema).parse(row.lines) };
}

/** Deadlocks and serialization failures are resolved by PostgreSQL aborting one side: worth one more try. */
const RETRYABLE = new Set(["40P01", "40001"]);

export function createPrismaReturnStore(database: Database): ReturnStore {
  const { pool } = database;
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt < 3 && RETRYABLE.has(postgresErrorCode(error) ?? "")) continue;
        throw toInventoryError(error);
      }
    }
  };

  return {
    recordPaidCheckout: ({ shopId, sessionId, holdId, paymentIntentId, currency, amountTotal, unitAmounts, now }) =>
      call(async () => {
        const prices = unitAmounts ? Object.fromEntries(unitAmounts) : {};
        // From the committed hold's lines: the locations its units left (a split line has a row per location).
        const result = await pool.query<{ exists: boolean }>(
          `WITH hold AS (
             SELECT h.id FROM "InventoryHold" h WHERE h.id = $3 AND h."shopId" = $1 AND h.status = 'committed'
           ), written AS (
             INSERT INTO "PaidCheckout" ("sessionId", "shopId", "holdId", "paymentIntentId", currency, "amountTotal", lines, "createdAt")
             SELECT $2, $1, hold.id, $4, $5, $6,
                    (SELECT coalesce(jsonb_agg(jsonb_build_object('sku', l.sku, 'variantKey', l."variantKey", 'location', l.location,
                              'quantity', l.qty, 'unitAmount', ($7::jsonb)->(l.sku || chr(31) || l."variantKey"))
                              ORDER BY l.sku COLLATE "C", l."variantKey" COLLATE "C", l.first), '[]'::jsonb)
                     FROM (SELECT hi.sku, hi."variantKey", hi.location, sum(hi.quantity)::int AS qty, min(hi.id) AS first
                           FROM "InventoryHoldItem" hi WHERE hi."holdId" = hold.id GROUP BY 1, 2, 3) l),
                    $8
             FROM hold
             ON CONFLICT ("sessionId") DO UPDATE SET "paymentIntentId" = coalesce("PaidCheckout"."paymentIntentId", EXCLUDED."paymentIntentId")
             RETURNING 1
           )
           SELECT EXISTS (SELECT 1 FROM written) OR EXISTS (SELECT 1 FROM "PaidCheckout" WHERE "sessionId" = $2) AS exists`,
          [
            shopId,
            sessionId,
            holdId,
            paymentIntentId,
            currency,
            amountTotal,
            JSON.stringify(
              Object.fromEntries(
                Object.entries(prices).map(([id, amount]) => [id.replace("\u0000", "\u001f"), amount]),
              ),
            ),
            now,
          ],
        );
        return result.rows[0]?.exists === true;
      }),

    findPaidCheckout: ({ paymentIntentId }) =>
      call(async () => {
        const result = await pool.query<CheckoutRow>(
          `SELECT * FROM "PaidCheckout" WHERE "paymentIntentId" = $1 ORDER BY "createdAt" LIMIT 1`,
          [paymentIntentId],
        );
        return result.rows[0] ? toCheckout(result.rows[0]) : null;
      }),

    isOversoldCheckout: ({ shopId, sessionId }) =>
      call(async () => {
        const result = await pool.query<{ exists: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM "OversoldSale" WHERE "shopId" = $1 AND "checkoutSessionId" = $2) AS exists`,
          [shopId, sessionId],
        );
        return result.rows[0]?.exists === true;
      }),

    getPaidCheckout: ({ shopId, sessionId }) =>
      call(async () => {
        const result = await pool.query<CheckoutRow>(
          `SELECT * FROM "PaidCheckout" WHERE "sessionId" = $1 AND "shopId" = $2`,
          [sessionId, shopId],
        );
        return result.rows[0] ? toCheckout(result.rows[0]) : null;
      }),

    readReturns: ({ sessionId }) =>
      call(async () => {
        // One statement, so the rows and their fingerprint are of one snapshot.
        const result = await pool.query<{ rows: ReturnRow[] | null; basis: string }>(
          `SELECT (SELECT json_agg(r ORDER BY r."refundId" COLLATE "C") FROM (SELECT ${RETURN_COLUMNS} FROM "StockReturn" WHERE "sessionId" = $1) r) AS rows,
                  inventory_returns_basis($1) AS basis`,
          [sessionId],
        );
        const row = result.rows[0]!;
        return {
          returns: (row.rows ?? []).map((r) =>
            toReturn({
              ...r,
              decidedAt: r.decidedAt === null ? null : new Date(r.decidedAt),
              createdAt: new Date(r.createdAt),
              updatedAt: new Date(r.updatedAt),
            }),
          ),
          basis: row.basis,
        };
      }),

    recordReturn: ({ shopId, refund, sessionId, status, mapping, lines, note, basis, actor, now }) =>
      call(async () => {
        const rows = await database.prisma.$queryRaw<Array<{ result: unknown; crossed: boolean }>>`
          SELECT result, ${STOCK_CROSSED_SQL} FROM inventory_record_return(${shopId}, ${refund.refundId}, ${sessionId},
            ${refund.paymentIntentId}, ${refund.amount}::int, ${refund.currency}, ${status}, ${mapping},
            ${JSON.stringify(lines)}::jsonb, ${note}, ${basis}, ${actor}, ${now}::timestamptz) AS result`;
        afterStockWrite(database, rows[0]!.crossed);
        return parseAnswer<RecordReturnAnswer>(recordAnswerSchema, rows[0]!.result, "a return");
      }),

    decideReturn: ({ shopId, refundId, decision, lines, note, actor, now }) =>
      call(async (): Promise<DecideReturnAnswer> => {
        const rows = await database.prisma.$queryRaw<Array<{ result: unknown; crossed: boolean }>>`
          SELECT result, ${STOCK_CROSSED_SQL} FROM inventory_decide_return(${shopId}, ${refundId}, ${decision},
            ${JSON.stringify(lines)}::jsonb, ${note}, ${actor}, ${now}::timestamptz) AS result`;
        afterStockWrite(database, rows[0]!.crossed);
        const answer = parseAnswer(decideAnswerSchema, rows[0]!.result, "a return decision");
        if ("errors" in answer) return { outcome: "invalid", errors: answer.errors };
        return answer;
      }),

    getReturn: ({ shopId, refundId }) =>
      call(async () => {
        const result = await pool.query<ReturnRow>(
          `SELECT ${RETURN_COLUMNS} FROM "StockReturn" WHERE "refundId" = $1 AND "shopId" = $2`,
          [refundId, shopId],
        );
        return result.rows[0] ? toReturn(result.rows[0]) : null;
      }),

    listReturns: ({ shopId, status, limit }) =>
      call(async () => {
        const result = await pool.query<ReturnRow>(
          `SELECT ${RETURN_COLUMNS} FROM "StockReturn" WHERE "shopId" = $1 AND ($2::text[] IS NULL OR status = ANY ($2::text[]))
           ORDER BY "createdAt" DESC, "refundId" DESC LIMIT $3`,
          [shopId, status ?? null, limit],
        );
        return result.rows.map(toReturn);
      }),

    getPolicy: ({ shopId }) =>
      call(async () => {
        const result = await pool.query<{ policy: ReturnPolicy; updatedBy: string; updatedAt: Date }>(
          `SELECT policy, "updatedBy", "updatedAt" FROM "ShopReturnPolicy" WHERE "shopId" = $1`,
          [shopId],
        );
        const row = result.rows[0];
        return row ?? { policy: DEFAULT_RETURN_POLICY, updatedBy: null, updatedAt: null };
      }),

    setPolicy: ({ shopId, policy, actor, now }) =>
      call(async () => {
        await pool.query(
          `INSERT INTO "ShopReturnPolicy" ("shopId", policy, "updatedBy", "updatedAt") VALUES ($1, $2, $3, $4)
           ON CONFLICT ("shopId") DO UPDATE SET policy = EXCLUDED.policy, "updatedBy" = EXCLUDED."updatedBy", "updatedAt" = EXCLUDED."updatedAt"`,
          [shopId, policy, actor, now],
        );
      }),
  };
}

export type { StockReturnStatus };
