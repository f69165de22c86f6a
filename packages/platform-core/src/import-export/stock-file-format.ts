import type { VariantAttributes } from "../variants/variant-key.ts";

// The shape of stock files, shared by the parser and the exporter so that an
// export always re-imports unchanged.

export const STOCK_FILE_FORMATS = ["csv", "json"] as const;
export type StockFileFormat = (typeof STOCK_FILE_FORMATS)[number];

/** Largest file accepted (UTF-8 bytes); larger uploads fail with `payload_too_large`. */
export const STOCK_FILE_MAX_BYTES = 10 * 1024 * 1024;
/** Most data rows one file may hold; more fail with `validation_failed`. */
export const STOCK_FILE_MAX_ROWS = 100_000;

/** CSV columns every file may carry, in export order (`location` names where `quantity` is). */
export const STOCK_CSV_COLUMNS = [
  "sku",
  "productId",
  "productTitle",
  "variantTitle",
  "location",
  "quantity",
  "lowStockThreshold",
  "purchaseLimit",
] as const;
export type StockCsvColumn = (typeof STOCK_CSV_COLUMNS)[number];
/** Columns without which a CSV file is refused. */
export const STOCK_CSV_REQUIRED_COLUMNS: readonly StockCsvColumn[] = ["sku", "productId", "quantity"];
/** One `variant.<attribute>` column per variant attribute, e.g. `variant.size`. */
export const VARIANT_COLUMN_PREFIX = "variant.";

export const STOCK_FILE_CONTENT_TYPES: Record<StockFileFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
};

/**
 * One entry of a JSON stock file (and one row of a CSV file): one variant at one location. A variant stocked at
 * several locations has one entry per location, each repeating the variant's own fields.
 */
export interface StockFileItem {
  sku: string;
  productId: string;
  productTitle: string;
  variantTitle: string;
  variantAttributes: VariantAttributes;
  /** The location code `quantity` is at. */
  location: string;
  /** Units on hand at `location`. */
  quantity: number;
  lowStockThreshold: number | null;
  /** Most units per checkout and per buyer; `null`: no limit. */
  purchaseLimit: number | null;
}

/** A JSON export. Imports accept this, `{ items }` alone, or a bare array of items. */
export interface StockFileDocument {
  shopId: string;
  exportedAt: string;
  items: StockFileItem[];
}

/** One valid row of an imported file. */
export interface ParsedStockRow {
  /** CSV: physical line where the record starts (header is line 1). JSON: 1-based position in `items`. */
  line: number;
  sku: string;
  productId: string;
  /**
   * Titles, trimmed. `undefined`: the file has no such column (or the JSON
   * entry no such key): keep the current one. An empty cell clears it.
   */
  productTitle?: string | undefined;
  variantTitle?: string | undefined;
  /** Names and values trimmed, empty values dropped, case kept (display form). */
  variantAttributes: VariantAttributes;
  variantKey: string;
  /** The location code the row's quantity is at: the shop's default location (main) when the file gives none. */
  location: string;
  /** Units on hand at `location`. */
  quantity: number;
  /**
   * `null`: no threshold (an empty cell, or JSON `null`).
   * `undefined`: the file has no threshold column (or the JSON entry no such key): keep the current one.
   */
  lowStockThreshold: number | null | undefined;
  /** Like `lowStockThreshold`: `null` no limit (an empty cell, or JSON `null`); `undefined` keep the current one. */
  purchaseLimit?: number | null | undefined;
}

export function isStockFileFormat(value: unknown): value is StockFileFormat {
  return (STOCK_FILE_FORMATS as readonly unknown[]).includes(value);
}
