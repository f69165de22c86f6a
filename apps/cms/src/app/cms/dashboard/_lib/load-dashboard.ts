import { getHoldLifecycleSeries, type HoldLifecycleCounts, type HoldLifecycleSeries } from "@acme/platform-core";
import type { SessionOperator } from "@/lib/auth/session";
import type { DashboardQuery } from "./dashboard-query";

/** One chart point: the bucket's start (epoch ms) and its figures. */
export type DashboardPoint = { t: number } & HoldLifecycleCounts;

export interface DashboardData {
  from: number;
  to: number;
  bucketSeconds: number;
  /** The shops the figures cover. */
  shops: string[];
  points: DashboardPoint[];
  totals: HoldLifecycleCounts;
}

type Summable = Exclude<keyof HoldLifecycleCounts, "commitRate" | "expiryRate" | "reaperMeanMs">;
const SHOP_FIELDS: Summable[] = ["created", "committed", "released", "expired", "validationFailures", "checkoutStockRejections", "commitFailures"];

function withRates(counts: Record<Summable, number>): HoldLifecycleCounts {
  const ended = counts.committed + counts.released + counts.expired;
  return {
    ...counts,
    commitRate: ended === 0 ? null : counts.committed / ended,
    expiryRate: ended === 0 ? null : counts.expired / ended,
    reaperMeanMs: counts.reaperRuns === 0 ? null : counts.reaperTotalMs / counts.reaperRuns,
  };
}

/** Adds per-shop series bucket by bucket; reaper runs are global in every series, so they are taken once. */
function mergeCounts(list: HoldLifecycleCounts[]): HoldLifecycleCounts {
  const sum = { created: 0, committed: 0, released: 0, expired: 0, validationFailures: 0, checkoutStockRejections: 0, commitFailures: 0, reaperRuns: list[0]?.reaperRuns ?? 0, reaperTotalMs: list[0]?.reaperTotalMs ?? 0 };
  for (const counts of list) for (const field of SHOP_FIELDS) sum[field] += counts[field];
  return withRates(sum);
}

/**
 * The lifecycle figures the operator may see: one shop, or "all my shops"
 * (one query over every shop for an admin; one per granted shop otherwise,
 * added up). The caller has checked that `query.shopId` is granted.
 */
export async function loadDashboard(operator: SessionOperator, query: DashboardQuery): Promise<DashboardData> {
  const base = { from: query.from, to: query.to, bucketSeconds: query.bucketSeconds };
  let series: HoldLifecycleSeries[];
  let shops: string[];
  if (query.shopId !== undefined) {
    shops = [query.shopId];
    series = [await getHoldLifecycleSeries({ ...base, shopId: query.shopId })];
  } else if (operator.role === "admin") {
    shops = operator.shops;
    series = [await getHoldLifecycleSeries(base)];
  } else {
    // The page shows no figures to an operator without shops, so there is at least one here.
    shops = operator.shops;
    series = await Promise.all(shops.map((shopId) => getHoldLifecycleSeries({ ...base, shopId })));
  }
  const first = series[0]!;
  const points = first.buckets.map((bucket, index) => ({
    t: bucket.start.getTime(),
    ...(series.length === 1 ? stripDates(bucket) : mergeCounts(series.map((s) => s.buckets[index]!))),
  }));
  return {
    from: first.from.getTime(),
    to: first.to.getTime(),
    bucketSeconds: first.bucketSeconds,
    shops,
    points,
    totals: series.length === 1 ? first.totals : mergeCounts(series.map((s) => s.totals)),
  };
}

function stripDates({ start: _start, end: _end, ...counts }: HoldLifecycleCounts & { start: Date; end: Date }): HoldLifecycleCounts {
  return counts;
}
