/**
 * What subscribers receive, by kind of change. A stock event's `reason` is
 * finer (its ledger reason, or hold / release / expiry); its `type` groups
 * reasons into what a subscription filters on.
 */
export const STOCK_EVENT_TYPES = [
  "stock.held",
  "stock.released",
  "stock.sold",
  "stock.adjusted",
  "stock.transferred",
  "stock.returned",
  "stock.location_changed",
] as const;

export type StockEventType = (typeof STOCK_EVENT_TYPES)[number];

const BY_REASON: Record<string, StockEventType> = {
  hold: "stock.held",
  release: "stock.released",
  expiry: "stock.released",
  sale: "stock.sold",
  oversold_at_payment: "stock.sold",
  // The ledger's reasons for the two sides of a transfer (docs/locations.md).
  transfer_out: "stock.transferred",
  transfer_in: "stock.transferred",
  transfer: "stock.transferred",
  receive: "stock.transferred",
  return: "stock.returned",
  location_online: "stock.location_changed",
  location_offline: "stock.location_changed",
};

/** The type of an event with this reason: edits, imports, syncs, corrections and anything else are adjustments. */
export function stockEventType(reason: string): StockEventType {
  return BY_REASON[reason] ?? "stock.adjusted";
}
