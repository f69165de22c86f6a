import { ErrorCode } from "../errors/error-codes.ts";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { parseShopId, parseStockChange } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { getLocationStore } from "../locations/get-location-store.ts";
import type { LocationStore } from "../locations/types.ts";
import { parseStockFile } from "./parse-stock-file.ts";
import { previewStockImport, type StockImportChange } from "./preview-stock-import.ts";
import type { ParsedStockRow, StockFileFormat } from "./stock-file-format.ts";
import { refId } from "../inventory/types.ts";

export interface ImportStockOptions {
  store: InventoryStore;
  /** The locations and per-location stock of `store`'s backend (default: the process-wide `getLocationStore()`). */
  locations?: LocationStore;
  shopId: string;
  content: string | Uint8Array;
  format: StockFileFormat;
  /** Operator email or job name, recorded on every ledger entry. */
  actor: string;
  /** Only compute what would change; write nothing. */
  dryRun?: boolean;
}

export interface ImportStockResult {
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  /** One entry per row (a variant at a location), in file order. */
  changes: StockImportChange[];
}

/**
 * Imports a stock file: sets each listed variant's quantity (absolute) at the row's location (the shop's default
 * location, main, when the file has no `location` column or the cell is empty), and its product id, titles, low-stock
 * threshold and purchase limit, creating variants that do not exist. Variants and locations of the shop missing from
 * the file are left as they are: an import never deletes.
 *
 * The file is validated completely first (`validation_failed` lists every problem by line, a location the shop does
 * not have included), then applied in ONE `upsertItems` call, so either every row is applied or none is. A row whose
 * quantity is below the units held at its location by active checkouts fails the whole import with `conflict`, naming
 * its line; a dry run reports that conflict the same way. With a real run the counts come from the store (the truth
 * at write time); `changes` is computed from a read just before the write.
 */
export async function importStock({
  store,
  locations = getLocationStore(),
  shopId,
  content,
  format,
  actor,
  dryRun = false,
}: ImportStockOptions): Promise<ImportStockResult> {
  const id = parseShopId(shopId);
  const change = parseStockChange({ reason: "import", actor });
  const { rows } = parseStockFile({ content, format });
  const known = new Set((await locations.listLocations(id)).map((location) => location.code));
  const unknown = rows.filter((row) => !known.has(row.location));
  if (unknown.length > 0) throw unknownLocations(unknown, [...known], id, format);
  const refs = [...new Map(rows.map((row) => [refId(row), { sku: row.sku, variantKey: row.variantKey }])).values()];
  const [existing, levels] = await Promise.all([store.getItems(id, refs), locations.listLevels(id, { refs })]);
  const preview = previewStockImport({ rows, existing, levels });
  if (preview.conflicts.length > 0) {
    throw heldStockConflict(preview.conflicts.map((error) => inFileTerms(error, format)));
  }
  if (dryRun) {
    const { created, updated, unchanged, changes } = preview;
    return { dryRun, created, updated, unchanged, changes };
  }
  try {
    const result = await store.upsertItems(id, preview.inputs, change);
    return {
      dryRun,
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      changes: preview.changes,
    };
  } catch (error) {
    throw withFileLines(error, rows, format);
  }
}

function unknownLocations(
  rows: ParsedStockRow[],
  known: string[],
  shopId: string,
  format: StockFileFormat,
): InventoryError {
  const message = `is not a location of shop ${shopId} (its locations: ${known.join(", ")})`;
  return new InventoryError(
    ErrorCode.validation_failed,
    `The ${format.toUpperCase()} file names ${rows.length === 1 ? "a location" : "locations"} the shop does not have.`,
    {
      details: {
        errors: rows.map((row) => inFileTerms({ line: row.line, field: "location", message }, format)),
        // As parseStockFile's errors: the row's sku and the value as written.
        context: rows.map((row) => ({ sku: row.sku, value: row.location })),
      },
    },
  );
}

function heldStockConflict(errors: FieldError[]): InventoryError {
  return new InventoryError(ErrorCode.conflict, "Some rows would set stock below the units held by active checkouts.", {
    details: { errors },
  });
}

/** JSON files name fields by path (`items.N.quantity`, N = line - 1); CSV files by column. */
function inFileTerms(error: FieldError, format: StockFileFormat): FieldError {
  if (format !== "json" || error.line === undefined) return error;
  return { ...error, field: `items.${error.line - 1}.${error.field}` };
}

/**
 * The store names rejected inputs by index (`details.errors[].index`, or
 * `items.N.field` paths); users know their file by line. Errors of other kinds
 * pass through unchanged.
 */
function withFileLines(error: unknown, rows: ParsedStockRow[], format: StockFileFormat): unknown {
  if (!(error instanceof InventoryError)) return error;
  const errors = error.details.errors;
  if (!Array.isArray(errors)) return error;
  if (error.code !== ErrorCode.conflict && error.code !== ErrorCode.validation_failed) return error;
  const mapped = errors.map((entry: { index?: unknown; field?: unknown; message?: unknown }): FieldError => {
    let index = typeof entry.index === "number" ? entry.index : undefined;
    let field = typeof entry.field === "string" ? entry.field : "(row)";
    const path = /^items\.(\d+)\.(.+)$/.exec(field);
    if (index === undefined && path) {
      index = Number(path[1]);
      field = path[2] ?? field;
    }
    const line = index === undefined ? undefined : rows[index]?.line;
    const message = typeof entry.message === "string" ? entry.message : error.message;
    return line === undefined ? { field, message } : inFileTerms({ line, field, message }, format);
  });
  if (error.code === ErrorCode.conflict) {
    return new InventoryError(ErrorCode.conflict, error.message, {
      details: { ...error.details, errors: mapped },
      cause: error,
    });
  }
  return InventoryError.validation(mapped, error.message);
}
