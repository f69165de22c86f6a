import { stockEventType, type StockEventType } from "./stock-event-types.ts";

/** A figure before and after one change. */
export interface BeforeAfter {
  before: number;
  after: number;
}

/**
 * One stock event as subscribers and the events API see it (docs/stock-events.md).
 * `id` is `<shopId>:<sequence>`: unique, and what a subscriber deduplicates by.
 */
export interface StockEventPayload {
  id: string;
  type: StockEventType;
  /** The shop's event number: gap-free from 1, in commit order for each variant. */
  sequence: number;
  shopId: string;
  sku: string;
  variantKey: string;
  location: string;
  /**
   * hold, release, expiry, location_online, location_offline, or the ledger entry's reason (sale, edit, import,
   * sync, transfer, receive, return, ...).
   */
  reason: string;
  quantity: BeforeAfter;
  reserved: BeforeAfter;
  /** quantity - reserved at the location. */
  available: BeforeAfter;
  /** The ledger entry of a change of quantity (a string: ledger ids are 64-bit); null when only reserved changed. */
  ledgerEntryId: string | null;
  occurredAt: string;
}

/** A sequenced StockEvent row as read with pg (bigints arrive as strings). */
export interface StockEventRow {
  seq: string;
  shopId: string;
  sku: string;
  variantKey: string;
  location: string;
  reason: string;
  quantityBefore: number;
  quantityAfter: number;
  reservedBefore: number;
  reservedAfter: number;
  ledgerEntryId: string | null;
  createdAt: Date;
}

export function toStockEventPayload(row: StockEventRow): StockEventPayload {
  return {
    id: `${row.shopId}:${row.seq}`,
    type: stockEventType(row.reason),
    sequence: Number(row.seq),
    shopId: row.shopId,
    sku: row.sku,
    variantKey: row.variantKey,
    location: row.location,
    reason: row.reason,
    quantity: { before: row.quantityBefore, after: row.quantityAfter },
    reserved: { before: row.reservedBefore, after: row.reservedAfter },
    available: {
      before: row.quantityBefore - row.reservedBefore,
      after: row.quantityAfter - row.reservedAfter,
    },
    ledgerEntryId: row.ledgerEntryId,
    occurredAt: row.createdAt.toISOString(),
  };
}

/**
 * The columns toStockEventPayload reads, for SELECTs. `seq` comes out as text, so order by `"StockEvent".seq`: a bare
 * `ORDER BY seq` sorts by the text (10 before 9).
 */
export const STOCK_EVENT_COLUMNS = `seq::text AS seq, "shopId", sku, "variantKey", location, reason, "quantityBefore",
  "quantityAfter", "reservedBefore", "reservedAfter", "ledgerEntryId"::text AS "ledgerEntryId", "createdAt"`;
