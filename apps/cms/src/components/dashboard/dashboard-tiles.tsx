import type { HoldLifecycleCounts } from "@acme/platform-core";
import { formatNumber } from "@/app/cms/_lib/format";
import styles from "./dashboard.module.css";
import { formatMs, formatPercent } from "./format";

type Status = "ok" | "bad" | "none";

function Tile({
  metric,
  label,
  value,
  sub,
  status = "none",
}: {
  metric: string;
  label: string;
  value: string;
  sub?: string;
  status?: Status;
}) {
  return (
    <li className={styles.tile} data-metric={metric} data-status={status}>
      <div className={styles.tileLabel}>{label}</div>
      <div className={styles.tileValue} data-value>
        {value}
      </div>
      {sub && <div className={styles.tileSub}>{sub}</div>}
    </li>
  );
}

/** Headline figures for the selected range; the two rates are coloured against their targets. */
export function DashboardTiles({
  totals,
  commitTarget,
  expiryTarget,
}: {
  totals: HoldLifecycleCounts;
  commitTarget: number;
  expiryTarget: number;
}) {
  const ended = totals.committed + totals.released + totals.expired;
  const commitStatus: Status = totals.commitRate === null ? "none" : totals.commitRate >= commitTarget ? "ok" : "bad";
  const expiryStatus: Status = totals.expiryRate === null ? "none" : totals.expiryRate <= expiryTarget ? "ok" : "bad";
  return (
    <ul className={styles.tiles} aria-label="Headline figures">
      <Tile
        metric="commit-rate"
        label="Commit rate"
        value={formatPercent(totals.commitRate)}
        sub={`${formatNumber(totals.committed)} of ${formatNumber(ended)} ended holds · target ≥ ${formatPercent(commitTarget)}`}
        status={commitStatus}
      />
      <Tile
        metric="expiry-rate"
        label="Expiry rate"
        value={formatPercent(totals.expiryRate)}
        sub={`${formatNumber(totals.expired)} of ${formatNumber(ended)} ended holds · target ≤ ${formatPercent(expiryTarget)}`}
        status={expiryStatus}
      />
      <Tile
        metric="holds-created"
        label="Holds created"
        value={formatNumber(totals.created)}
        sub={`${formatNumber(totals.released)} released by the buyer or an operator`}
      />
      <Tile
        metric="validation-failures"
        label="Validation failures"
        value={formatNumber(totals.validationFailures)}
        sub="availability checks that found too little"
      />
      <Tile
        metric="checkout-rejections"
        label="Checkouts refused for stock"
        value={formatNumber(totals.checkoutStockRejections)}
        sub={`${formatNumber(totals.commitFailures)} hold commits failed`}
      />
      <Tile
        metric="reaper-runs"
        label="Reaper runs"
        value={formatNumber(totals.reaperRuns)}
        sub={`mean ${formatMs(totals.reaperMeanMs)} · all shops`}
      />
    </ul>
  );
}
