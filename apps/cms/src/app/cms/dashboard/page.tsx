import { HOLD_COMMIT_RATE_TARGET, HOLD_EXPIRY_RATE_TARGET, isInventoryError } from "@acme/platform-core";
import { forbidden } from "next/navigation";
import { DashboardCharts } from "@/components/dashboard/dashboard-charts";
import { DashboardRangeForm } from "@/components/dashboard/dashboard-range-form";
import { DashboardTiles } from "@/components/dashboard/dashboard-tiles";
import styles from "@/components/dashboard/dashboard.module.css";
import { formatBucket, formatUtc } from "@/components/dashboard/format";
import { requirePageOperator } from "@/lib/auth/guards";
import { parseDashboardQuery } from "./_lib/dashboard-query";
import { loadDashboard, type DashboardData } from "./_lib/load-dashboard";

export const dynamic = "force-dynamic";

type Search = Record<string, string | string[] | undefined>;

/**
 * Hold lifecycle dashboard: rates and failures over time, from the database
 * (`getHoldLifecycleSeries`), for one shop or every shop the operator may read.
 */
export default async function DashboardPage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  const query = new URLSearchParams(
    Object.entries(search).flatMap(([key, value]) =>
      Array.isArray(value) ? value.map((v) => [key, v]) : value === undefined ? [] : [[key, value]],
    ),
  );
  const operator = await requirePageOperator({ next: `/cms/dashboard${query.size > 0 ? `?${query}` : ""}` });
  const parsed = parseDashboardQuery(search);
  const shopId = parsed.ok ? parsed.query.shopId : parsed.shopId;
  // A shop not granted is refused like every other shop page (403), whatever else is wrong with the query.
  if (shopId !== undefined && !operator.shops.includes(shopId)) forbidden();

  let data: DashboardData | undefined;
  let errors = parsed.ok ? [] : parsed.errors;
  if (parsed.ok && operator.shops.length > 0) {
    try {
      data = await loadDashboard(operator, parsed.query);
    } catch (error) {
      // The query was checked above; the library's own check is the last word and is shown the same way.
      if (!isInventoryError(error) || error.code !== "validation_failed") throw error;
      errors = [error.message];
    }
  }

  // Custom fields start from the window on show, so "Custom" begins from what the operator is looking at.
  const minute = (date: Date) => date.toISOString().slice(0, 16);
  const form = parsed.ok
    ? {
        ...parsed.query,
        fromInput: parsed.query.fromInput || minute(parsed.query.from),
        toInput: parsed.query.toInput || minute(parsed.query.to),
      }
    : parsed;
  return (
    <>
      <div className="page-head">
        <h1>Hold lifecycle{shopId ? ` · ${shopId}` : ""}</h1>
      </div>
      <DashboardRangeForm
        shops={operator.shops}
        shopId={shopId}
        range={form.range}
        fromInput={form.fromInput}
        toInput={form.toInput}
      />
      {errors.length > 0 && (
        <div className="error-box" role="alert" data-testid="dashboard-error">
          <strong>This range cannot be shown:</strong> {errors.join("; ")}.
        </div>
      )}
      {operator.shops.length === 0 && <p className="empty">No shop is granted to you yet. Ask an administrator.</p>}
      {data && (
        <>
          <p className={styles.window} data-testid="dashboard-window">
            {formatUtc(data.from)} – {formatUtc(data.to)} · {formatBucket(data.bucketSeconds)} buckets ·{" "}
            {shopId ? `shop ${shopId}` : `all my shops (${data.shops.length})`}
          </p>
          <DashboardTiles
            totals={data.totals}
            commitTarget={HOLD_COMMIT_RATE_TARGET}
            expiryTarget={HOLD_EXPIRY_RATE_TARGET}
          />
          <DashboardCharts
            points={data.points}
            from={data.from}
            to={data.to}
            bucketSeconds={data.bucketSeconds}
            commitTarget={HOLD_COMMIT_RATE_TARGET}
            expiryTarget={HOLD_EXPIRY_RATE_TARGET}
          />
        </>
      )}
    </>
  );
}
