import type { StockEventCursorState, StockEventSubscription } from "@acme/platform-core";

/** A subscription's place in one shop, as the webhooks pages render it: the library's own, already JSON. */
export type WebhookCursorRow = StockEventCursorState;

/** A subscription as the webhooks pages render it (the library's StockEventSubscription, already JSON). */
export type WebhookRow = StockEventSubscription;

/** Each event type in words, for operators; the code beside it is what the subscriber's payload carries. */
export const EVENT_TYPE_LABELS: Record<string, string> = {
  "stock.held": "Held at checkout",
  "stock.released": "Released or expired",
  "stock.sold": "Sold",
  "stock.adjusted": "Adjusted (edits, imports, sync)",
  "stock.transferred": "Transferred",
  "stock.returned": "Returned",
  "stock.location_changed": "Location on or off line",
};

/** "Sold, Returned", or "All event types" when a subscription takes every one of `all`. */
export function describeEventTypes(kinds: readonly string[], all: readonly string[]): string {
  if (all.length > 0 && all.every((kind) => kinds.includes(kind))) return "All event types";
  return kinds.map((kind) => EVENT_TYPE_LABELS[kind] ?? kind).join(", ");
}
