import type { FieldError } from "../errors/inventory-error.ts";

// Internal: what the CSV and JSON readers hand to `parseStockFile`.

/** One row of a file before validation. */
export interface RowCandidate {
  line: number;
  /** Field values to validate with the shared stock item schema; absent when the row is unreadable. */
  value?: Record<string, unknown>;
  /** Problems the reader already found (e.g. "12.5" in a quantity cell). */
  errors: FieldError[];
  /** The name users see for a path inside the row: a CSV column, or `items.N.field` in JSON. */
  field: (path: readonly PropertyKey[]) => string;
  /** The row's own text for a field name users see (the inverse of `field`), to quote a bad value back. */
  text?: (fieldName: string) => string | undefined;
  /** The row's sku as written, when it has one. */
  sku?: string;
}

/** What an error about a row can quote back to its author: the row's sku and the value as written. */
export interface RowErrorContext {
  sku?: string;
  value?: string;
}

export interface StockFileReadResult {
  candidates: RowCandidate[];
  /** Problems of the file as a whole (header, syntax). */
  errors: FieldError[];
  /** Data rows in the file, readable or not. */
  rowCount: number;
}

/** Thrown by a reader as soon as a file has more rows than allowed. */
export class TooManyRowsError extends Error {
  constructor(readonly line: number | undefined) {
    super("too many rows");
  }
}
