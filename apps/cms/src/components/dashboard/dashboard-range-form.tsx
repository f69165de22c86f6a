"use client";

import { useState } from "react";
import styles from "./dashboard.module.css";

const RANGE_LABELS = {
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  custom: "Custom (from – to)",
} as const;

/**
 * Shop and time range. A plain GET form, so every view has a URL; the
 * from/to fields only take part when "Custom" is chosen.
 */
export function DashboardRangeForm({
  shops,
  shopId,
  range,
  fromInput,
  toInput,
}: {
  shops: string[];
  shopId: string | undefined;
  range: string;
  fromInput: string;
  toInput: string;
}) {
  const [selected, setSelected] = useState(range in RANGE_LABELS ? range : "custom");
  const custom = selected === "custom";
  return (
    <form method="get" action="/cms/dashboard" className={styles.controls} aria-label="Dashboard range">
      <label>
        Shop
        <select name="shop" defaultValue={shopId ?? ""}>
          <option value="">All my shops</option>
          {shops.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </label>
      <label>
        Range
        <select name="range" value={selected} onChange={(event) => setSelected(event.target.value)}>
          {Object.entries(RANGE_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        From (UTC)
        <input type="datetime-local" name="from" defaultValue={fromInput} disabled={!custom} required={custom} />
      </label>
      <label>
        To (UTC)
        <input type="datetime-local" name="to" defaultValue={toInput} disabled={!custom} required={custom} />
      </label>
      <button type="submit" className="button button-primary">
        Show
      </button>
    </form>
  );
}
