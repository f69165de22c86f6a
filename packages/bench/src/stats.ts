/** Latency percentiles and rates, the way every phase reports them. */

export interface LatencySummary {
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  per_s: number;
}

/** Nearest-rank percentile of an ascending array (no interpolation: every value reported was really observed). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** p50/p95/p99 of latencies in milliseconds, plus `count / seconds` as the rate. */
export function summarise(latenciesMs: ArrayLike<number>, count: number, seconds: number): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    p99_ms: round(percentile(sorted, 99)),
    per_s: round(seconds > 0 ? count / seconds : 0, 1),
  };
}

/** The middle value (the mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
