// Formatting shared by the CMS pages (server and client).
import { variantLabel } from "@acme/platform-core/universal";

/** A variant as the shop shows it ("coral / m"), "—" for none. */
export function formatVariant(attributes: Record<string, string>): string {
  return variantLabel(attributes) || "—";
}

export function formatTime(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const date = typeof value === "string" ? new Date(value) : value;
  // Fixed locale and UTC: the same text on the server and in every browser.
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toLocaleString("en-US");
}

export function formatDelta(delta: number): string {
  return delta > 0 ? `+${delta.toLocaleString("en-US")}` : delta.toLocaleString("en-US");
}

export function shopPath(shopId: string, rest = ""): string {
  return `/cms/shop/${encodeURIComponent(shopId)}${rest}`;
}

export function historyPath(shopId: string, sku: string, variantKey: string): string {
  const params = new URLSearchParams({ sku, variantKey });
  return `${shopPath(shopId, "/data/inventory/history")}?${params}`;
}

/** How long ago `since` was, to the minute ("45 s", "12 min", "3 h 5 min", "2 d 4 h"). */
export function formatAge(since: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}

export function holdersPath(shopId: string, sku: string, variantKey: string): string {
  const params = new URLSearchParams({ sku, variantKey });
  return `${shopPath(shopId, "/holds/holders")}?${params}`;
}
