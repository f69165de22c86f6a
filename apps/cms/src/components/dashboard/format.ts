// Formatting for the dashboard (server and client render the same text: fixed locale, UTC).

export function formatPercent(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function formatBucket(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${seconds / 60} min`;
}

/** Axis label for a bucket start: the time of day for short ranges, the date as well for longer ones. */
export function formatTick(epochMs: number, spanMs: number, bucketSeconds: number): string {
  const iso = new Date(epochMs).toISOString();
  if (bucketSeconds >= 86_400) return iso.slice(0, 10);
  if (spanMs <= 86_400_000) return iso.slice(11, 16);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function formatUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}
