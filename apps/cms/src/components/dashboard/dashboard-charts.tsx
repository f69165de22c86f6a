"use client";

import { useSyncExternalStore, type ReactNode } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { DashboardPoint } from "@/app/cms/dashboard/_lib/load-dashboard";
import styles from "./dashboard.module.css";
import { formatBucket, formatInZone, formatMs, formatTick, formatUtc } from "./format";

const COLORS = {
  created: "#2754c5",
  createdFill: "#8fa9e6",
  committed: "#1f7a3f",
  released: "#c98a00",
  expired: "#b42318",
  target: "#5c6676",
  grid: "#e6e9ee",
  purple: "#7a4cc2",
};

export interface DashboardChartsProps {
  points: DashboardPoint[];
  from: number;
  to: number;
  bucketSeconds: number;
  commitTarget: number;
  expiryTarget: number;
}

// The operator's time zone does not change while the page is open: nothing to subscribe to.
const subscribeToNothing = () => () => {};
const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const serverTimeZone = () => "UTC";

function Chart({ title, note, children }: { title: string; note?: string; children: ReactNode }) {
  return (
    <section className={`card ${styles.chart}`} aria-label={title}>
      <h2>
        {title}
        {note && <span className={styles.chartNote}>{note}</span>}
      </h2>
      {children}
    </section>
  );
}

/**
 * The dashboard's charts. Animations are off: the page is for reading
 * figures, and a chart that moves on every range change is slower to read.
 */
export function DashboardCharts({ points, from, to, bucketSeconds, commitTarget, expiryTarget }: DashboardChartsProps) {
  // The server renders in UTC; once in the browser, times are the operator's own (UTC stays in the tooltip).
  const timeZone = useSyncExternalStore(subscribeToNothing, browserTimeZone, serverTimeZone);
  const data = points.map((p) => ({
    ...p,
    commitPct: p.commitRate === null ? null : p.commitRate * 100,
    expiryPct: p.expiryRate === null ? null : p.expiryRate * 100,
  }));
  const span = to - from;
  const perBucket = `per ${formatBucket(bucketSeconds)}`;
  const xAxis = (
    <XAxis
      dataKey="t"
      type="number"
      scale="time"
      domain={[from, to]}
      tickFormatter={(t: number) => formatTick(t, span, bucketSeconds, timeZone)}
      minTickGap={28}
      tick={{ fontSize: 11 }}
    />
  );
  const grid = <CartesianGrid stroke={COLORS.grid} vertical={false} />;
  const tooltip = (format?: (value: number, name: string) => string) => (
    <Tooltip
      labelFormatter={(t) =>
        timeZone === "UTC"
          ? `${formatUtc(Number(t))} (${formatBucket(bucketSeconds)})`
          : `${formatInZone(Number(t), timeZone)} · ${formatUtc(Number(t))} (${formatBucket(bucketSeconds)})`
      }
      formatter={(value, name) => (typeof value === "number" && format ? format(value, String(name)) : (value ?? "—"))}
      isAnimationActive={false}
    />
  );
  const common = {
    data,
    responsive: true,
    style: { width: "100%", height: 240 },
    margin: { top: 8, right: 16, bottom: 0, left: 0 },
  };
  const pct = (value: number) => `${value.toFixed(1)}%`;

  return (
    <div className={styles.charts}>
      <p className={styles.timeZone} data-time-zone={timeZone}>
        Times in {timeZone === "UTC" ? "UTC" : `${timeZone} (UTC in the tooltips)`}
      </p>
      {/*
        Created is drawn as bars behind the outcome lines: when every hold commits, a Created line lay exactly under
        Committed.
      */}
      <Chart title="Hold lifecycle" note={`holds ${perBucket}`}>
        <ComposedChart {...common} barGap={0}>
          {grid}
          {xAxis}
          <YAxis allowDecimals={false} width={44} tick={{ fontSize: 11 }} />
          {tooltip()}
          <Legend itemSorter={null} />
          <Bar
            dataKey="created"
            name="Created"
            fill={COLORS.createdFill}
            stroke={COLORS.created}
            isAnimationActive={false}
          />
          <Line
            dataKey="committed"
            name="Committed"
            stroke={COLORS.committed}
            dot={false}
            strokeWidth={2}
            isAnimationActive={false}
          />
          <Line
            dataKey="released"
            name="Released"
            stroke={COLORS.released}
            dot={false}
            strokeWidth={2}
            strokeDasharray="6 3"
            isAnimationActive={false}
          />
          <Line
            dataKey="expired"
            name="Expired"
            stroke={COLORS.expired}
            dot={false}
            strokeWidth={2}
            strokeDasharray="2 2"
            isAnimationActive={false}
          />
        </ComposedChart>
      </Chart>

      <Chart title="Commit rate" note={`committed ÷ ended holds · target ≥ ${commitTarget * 100}%`}>
        <LineChart {...common}>
          {grid}
          {xAxis}
          <YAxis domain={[0, 100]} unit="%" width={48} tick={{ fontSize: 11 }} />
          {tooltip(pct)}
          <ReferenceLine
            y={commitTarget * 100}
            stroke={COLORS.target}
            strokeDasharray="6 4"
            label={{
              value: `target ${commitTarget * 100}%`,
              position: "insideBottomRight",
              fontSize: 11,
              fill: COLORS.target,
            }}
          />
          <Line
            dataKey="commitPct"
            name="Commit rate"
            stroke={COLORS.committed}
            strokeWidth={2}
            dot={{ r: 2 }}
            connectNulls={false}
            isAnimationActive={false}
          />
        </LineChart>
      </Chart>

      <Chart title="Expiry rate" note={`expired ÷ ended holds · target ≤ ${expiryTarget * 100}%`}>
        <LineChart {...common}>
          {grid}
          {xAxis}
          <YAxis domain={[0, 100]} unit="%" width={48} tick={{ fontSize: 11 }} />
          {tooltip(pct)}
          <ReferenceLine
            y={expiryTarget * 100}
            stroke={COLORS.target}
            strokeDasharray="6 4"
            label={{
              value: `target ${expiryTarget * 100}%`,
              position: "insideTopRight",
              fontSize: 11,
              fill: COLORS.target,
            }}
          />
          <Line
            dataKey="expiryPct"
            name="Expiry rate"
            stroke={COLORS.expired}
            strokeWidth={2}
            dot={{ r: 2 }}
            connectNulls={false}
            isAnimationActive={false}
          />
        </LineChart>
      </Chart>

      <Chart title="Failures" note={perBucket}>
        <BarChart {...common} barGap={0}>
          {grid}
          {xAxis}
          <YAxis allowDecimals={false} width={44} tick={{ fontSize: 11 }} />
          {tooltip()}
          <Legend itemSorter={null} />
          <Bar
            dataKey="validationFailures"
            name="Validation failures"
            fill={COLORS.released}
            isAnimationActive={false}
          />
          <Bar
            dataKey="checkoutStockRejections"
            name="Checkouts refused for stock"
            fill={COLORS.expired}
            isAnimationActive={false}
          />
          <Bar dataKey="commitFailures" name="Commit failures" fill={COLORS.purple} isAnimationActive={false} />
        </BarChart>
      </Chart>

      <Chart title="Reaper" note={`runs ${perBucket} and mean duration · all shops`}>
        <ComposedChart {...common}>
          {grid}
          {xAxis}
          <YAxis yAxisId="runs" allowDecimals={false} width={44} tick={{ fontSize: 11 }} />
          <YAxis yAxisId="ms" orientation="right" unit=" ms" width={64} tick={{ fontSize: 11 }} />
          {tooltip((value, name) => (name === "Mean duration" ? formatMs(value) : String(value)))}
          <Legend itemSorter={null} />
          <Bar yAxisId="runs" dataKey="reaperRuns" name="Runs" fill={COLORS.created} isAnimationActive={false} />
          <Line
            yAxisId="ms"
            dataKey="reaperMeanMs"
            name="Mean duration"
            stroke={COLORS.purple}
            strokeWidth={2}
            dot={{ r: 2 }}
            connectNulls={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </Chart>
    </div>
  );
}
