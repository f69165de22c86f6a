import type { FieldError } from "../errors/inventory-error.ts";
import { STOCK_FILE_MAX_ROWS } from "./stock-file-format.ts";
import { TooManyRowsError, type RowCandidate, type StockFileReadResult } from "./row-candidate.ts";

// Internal: turns JSON text into row candidates; `parseStockFile` validates them.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads `{ "items": [...] }` (an export's `shopId` and `exportedAt` are
 * ignored, so one shop's export can seed another) or a bare array of items.
 * Entry N (0-based) is reported as `line` N + 1 with fields `items.N.<field>`.
 */
export function readStockJson(text: string): StockFileReadResult {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { candidates: [], errors: [{ field: "(file)", message: `is not valid JSON: ${reason}` }], rowCount: 0 };
  }
  const items = Array.isArray(document) ? document : isPlainObject(document) ? document.items : undefined;
  if (!Array.isArray(items)) {
    const message = isPlainObject(document) && document.items === undefined ? "is required" : "must be a list";
    return { candidates: [], errors: [{ field: "items", message }], rowCount: 0 };
  }
  if (items.length > STOCK_FILE_MAX_ROWS) throw new TooManyRowsError(STOCK_FILE_MAX_ROWS + 1);
  const candidates = items.map((item: unknown, index): RowCandidate => {
    const line = index + 1;
    const field = (path: readonly PropertyKey[]) => ["items", index, ...path].map(String).join(".");
    if (!isPlainObject(item)) {
      const errors: FieldError[] = [{ line, field: field([]), message: "must be an object" }];
      return { line, field, errors };
    }
    const value = { ...item };
    // Tools that write "no variant" as null mean the same as {}.
    if (value.variantAttributes === null) delete value.variantAttributes;
    // And "no location" as the shop's default one.
    if (value.location === null) delete value.location;
    const prefix = `items.${index}.`;
    const text = (fieldName: string) => {
      if (!fieldName.startsWith(prefix)) return undefined;
      let current: unknown = item;
      for (const key of fieldName.slice(prefix.length).split("."))
        current = isPlainObject(current) ? current[key] : undefined;
      return current === undefined ? undefined : typeof current === "string" ? current : JSON.stringify(current);
    };
    return { line, field, text, ...(typeof item.sku === "string" ? { sku: item.sku } : {}), value, errors: [] };
  });
  return { candidates, errors: [], rowCount: items.length };
}
