import { z } from "zod";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseOrThrow, shopIdSchema } from "../inventory/inputs.ts";

/** Commit rate the dashboard marks as healthy (above), and expiry rate (below). */
export const HOLD_COMMIT_RATE_TARGET = 0.8;
export const HOLD_EXPIRY_RATE_TARGET = 0.2;
/** At most this many buckets per series (pick a larger bucket for a longer range). */
export const LIFECYCLE_MAX_BUCKETS = 2000;

const dateInput = z.union([z.date(), z.string(), z.number()]).pipe(z.coerce.date({ error: "must be a date" }));

export const holdLifecycleQuerySchema = z
  .object({
    from: dateInput,
    to: dateInput,
    bucketSeconds: z.coerce
      .number()
      .int("must be a whole number")
      .min(60, "must be at least 60")
      .max(31 * 86400, "must be at most 31 days"),
    shopId: shopIdSchema.optional(),
    /** Several shops added together (an operator's granted shops); with `shopId`, that shop only. */
    shopIds: z.array(shopIdSchema).max(1000, "at most 1000 shops").optional(),
  })
  .superRefine((query, ctx) => {
    if (Number.isNaN(query.from.getTime()) || Number.isNaN(query.to.getTime())) return;
    if (query.to.getTime() <= query.from.getTime())
      ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
    else if (
      Math.ceil((query.to.getTime() - query.from.getTime()) / (query.bucketSeconds * 1000)) > LIFECYCLE_MAX_BUCKETS
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["bucketSeconds"],
        message: `too small for this range (at most ${LIFECYCLE_MAX_BUCKETS} buckets)`,
      });
    }
  });

export type HoldLifecycleQuery = z.input<typeof holdLifecycleQuerySchema>;

export interface HoldLifecycleCounts {
  /** Holds created, committed, released (before expiry) and expired, by the time each happened. */
  created: number;
  committed: number;
  released: number;
  expired: number;
  /** committed / (committed + released + expired); null when no hold ended. Target above 0.8. */
  commitRate: number | null;
  /** expired / (committed + released + expired); null when no hold ended. Target below 0.2. */
  expiryRate: number | null;
  validationFailures: number;
  checkoutStockRejections: number;
  commitFailures: number;
  /**
   * Hold requests that named a client (shops' checkouts), and of those the ones refused by a cap of the shop's hold
   * policy or by a purchase limit.
   */
  clientHoldRequests: number;
  capRefusals: number;
  limitRefusals: number;
  /** Reaper runs (all shops, whatever the shop filter) and their total and mean duration. */
  reaperRuns: number;
  reaperTotalMs: number;
  reaperMeanMs: number | null;
}

export interface HoldLifecycleBucket extends HoldLifecycleCounts {
  start: Date;
  end: Date;
}

export interface HoldLifecycleSeries {
  from: Date;
  to: Date;
  bucketSeconds: number;
  shopId: string | null;
  buckets: HoldLifecycleBucket[];
  totals: HoldLifecycleCounts;
}

type Raw = Pick<
  HoldLifecycleCounts,
  | "created"
  | "committed"
  | "released"
  | "expired"
  | "validationFailures"
  | "checkoutStockRejections"
  | "commitFailures"
  | "clientHoldRequests"
  | "capRefusals"
  | "limitRefusals"
  | "reaperRuns"
  | "reaperTotalMs"
>;

const EVENT_FIELDS: Record<string, keyof Raw> = {
  created: "created",
  committed: "committed",
  released: "released",
  expired: "expired",
  validation_failure: "validationFailures",
  checkout_stock_rejection: "checkoutStockRejections",
  hold_commit_failure: "commitFailures",
  client_hold_request: "clientHoldRequests",
  hold_refused_cap: "capRefusals",
  hold_refused_limit: "limitRefusals",
  reaper_run: "reaperRuns",
};

/**
 * Hold lifecycle over time, from the database (serverless instances share no
 * memory, so one process's counters would show only its own traffic):
 * transitions from `InventoryHold`'s timestamps, the rest from `OpsEventCount`.
 * Buckets start at `from` and are `bucketSeconds` long (the last one ends at
 * `to`). Bad input fails with `validation_failed` and field errors.
 */
export async function getHoldLifecycleSeries(
  query: HoldLifecycleQuery & { database?: Database },
): Promise<HoldLifecycleSeries> {
  const { from, to, bucketSeconds, shopId, shopIds } = parseOrThrow(holdLifecycleQuerySchema, {
    from: query.from,
    to: query.to,
    bucketSeconds: query.bucketSeconds,
    ...(query.shopId === undefined ? {} : { shopId: query.shopId }),
    ...(query.shopIds === undefined ? {} : { shopIds: query.shopIds }),
  });
  const database = query.database ?? getDatabase();
  const count = Math.ceil((to.getTime() - from.getTime()) / (bucketSeconds * 1000));
  const raw: Raw[] = Array.from({ length: count }, noCounts);
  const shop = shopId ?? null;
  // null: every shop.
  const shopFilter = shopId !== undefined ? [shopId] : (shopIds ?? null);
  try {
    const [holds, events] = await Promise.all([
      database.pool.query<{ idx: number; kind: string; n: number }>(
        `SELECT floor(extract(epoch FROM (t.at - $1::timestamptz)) / $3)::int AS idx, t.kind, count(*)::int AS n
         FROM (
           SELECT "createdAt" AS at, 'created' AS kind FROM "InventoryHold"
             WHERE "createdAt" >= $1 AND "createdAt" < $2 AND ($4::text[] IS NULL OR "shopId" = ANY($4))
           UNION ALL SELECT "committedAt", 'committed' FROM "InventoryHold"
             WHERE "committedAt" >= $1 AND "committedAt" < $2 AND ($4::text[] IS NULL OR "shopId" = ANY($4))
           UNION ALL SELECT "releasedAt", 'released' FROM "InventoryHold"
             WHERE "releasedAt" >= $1 AND "releasedAt" < $2 AND ($4::text[] IS NULL OR "shopId" = ANY($4))
           UNION ALL SELECT "expiredAt", 'expired' FROM "InventoryHold"
             WHERE "expiredAt" >= $1 AND "expiredAt" < $2 AND ($4::text[] IS NULL OR "shopId" = ANY($4))
         ) t
         GROUP BY 1, 2`,
        [from, to, bucketSeconds, shopFilter],
      ),
      database.pool.query<{ idx: number; kind: string; n: number; total: number }>(
        `SELECT floor(extract(epoch FROM (bucket - $1::timestamptz)) / $3)::int AS idx, kind, sum(count)::int AS n, sum(total)::float8 AS total
         FROM "OpsEventCount"
         WHERE bucket >= $1 AND bucket < $2 AND ($4::text[] IS NULL OR "shopId" = ANY($4) OR kind = 'reaper_run')
         GROUP BY 1, 2`,
        [from, to, bucketSeconds, shopFilter],
      ),
    ]);
    for (const row of [...holds.rows, ...events.rows]) {
      const bucket = raw[row.idx];
      const field = EVENT_FIELDS[row.kind];
      if (!bucket || !field) continue;
      bucket[field] += row.n;
      if (row.kind === "reaper_run") bucket.reaperTotalMs += (row as { total?: number }).total ?? 0;
    }
  } catch (error) {
    throw toInventoryError(error);
  }
  const buckets = raw.map((counts, index) => ({
    start: new Date(from.getTime() + index * bucketSeconds * 1000),
    end: new Date(Math.min(from.getTime() + (index + 1) * bucketSeconds * 1000, to.getTime())),
    ...withRates(counts),
  }));
  const totals = raw.reduce<Raw>((sum, b) => {
    for (const key of Object.keys(sum) as Array<keyof Raw>) sum[key] += b[key];
    return sum;
  }, noCounts());
  return { from, to, bucketSeconds, shopId: shop, buckets, totals: withRates(totals) };
}

function noCounts(): Raw {
  return {
    created: 0,
    committed: 0,
    released: 0,
    expired: 0,
    validationFailures: 0,
    checkoutStockRejections: 0,
    commitFailures: 0,
    clientHoldRequests: 0,
    capRefusals: 0,
    limitRefusals: 0,
    reaperRuns: 0,
    reaperTotalMs: 0,
  };
}

function withRates(counts: Raw): HoldLifecycleCounts {
  const ended = counts.committed + counts.released + counts.expired;
  return {
    ...counts,
    commitRate: ended === 0 ? null : counts.committed / ended,
    expiryRate: ended === 0 ? null : counts.expired / ended,
    reaperMeanMs: counts.reaperRuns === 0 ? null : counts.reaperTotalMs / counts.reaperRuns,
  };
}
