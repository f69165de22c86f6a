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

/**
 * The lifecycle figures the operator may see: one shop, or "all my shops"
 * (every shop for an admin, the granted ones otherwise), in one query. The
 * caller has checked that `query.shopId` is granted.
 */
export async function loadDashboard(operator: SessionOperator, query: DashboardQuery): Promise<DashboardData> {
  const base = { from: query.from, to: query.to, bucketSeconds: query.bucketSeconds };
  const shops = query.shopId !== undefined ? [query.shopId] : operator.shops;
  const series: HoldLifecycleSeries = await getHoldLifecycleSeries(
    query.shopId !== undefined
      ? { ...base, shopId: query.shopId }
      : operator.role === "admin"
        ? base
        : { ...base, shopIds: operator.shops },
  );
  return {
    from: series.from.getTime(),
    to: series.to.getTime(),
    bucketSeconds: series.bucketSeconds,
    shops,
    points: series.buckets.map(({ start, end: _end, ...counts }) => ({ t: start.getTime(), ...counts })),
    totals: series.totals,
  };
}
