// Formatting shared by the CMS pages (server and client).
import { variantLabel } from "@acme/platform-core/variants";

/** A variant as the shop shows it ("coral / m"), "—" for none. */
export function formatVariant(attributes: Record<string, string>): string {
  return variantLabel(attributes) || "—";
}

export function formatTime(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const date = typeof value === "string" ? new Date(value) : value;
  // Fixed locale and UTC: the same text on the server and in every browser.
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
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
