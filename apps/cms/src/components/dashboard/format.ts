// Formatting for the dashboard. The server renders UTC; the browser then
// renders the operator's time zone (fixed en-GB 24-hour format either way).

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
export function formatTick(epochMs: number, spanMs: number, bucketSeconds: number, timeZone = "UTC"): string {
  const iso = isoInZone(epochMs, timeZone);
  if (bucketSeconds >= 86_400) return iso.slice(0, 10);
  if (spanMs <= 86_400_000) return iso.slice(11, 16);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function formatUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** "YYYY-MM-DDTHH:MM" as a wall clock in `timeZone` shows it. */
function isoInZone(epochMs: number, timeZone: string): string {
  if (timeZone === "UTC") return new Date(epochMs).toISOString().slice(0, 16);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(epochMs))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** "2026-12-01 10:00 Europe/Paris". */
export function formatInZone(epochMs: number, timeZone: string): string {
  return `${isoInZone(epochMs, timeZone).replace("T", " ")} ${timeZone}`;
}
