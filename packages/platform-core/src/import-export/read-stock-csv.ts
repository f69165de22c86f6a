import { CsvError, parse } from "csv-parse/sync";
import type { FieldError } from "../errors/inventory-error.ts";
import { PURCHASE_LIMIT_MIN_MESSAGE, variantAttributesSchema } from "../inventory/inputs.ts";
import { MAX_QUANTITY } from "../inventory/types.ts";
import {
  STOCK_CSV_COLUMNS,
  STOCK_CSV_REQUIRED_COLUMNS,
  STOCK_FILE_MAX_ROWS,
  VARIANT_COLUMN_PREFIX,
  type StockCsvColumn,
} from "./stock-file-format.ts";
import { TooManyRowsError, type RowCandidate, type StockFileReadResult } from "./row-candidate.ts";

// Internal: turns CSV bytes into row candidates; `parseStockFile` validates them.

const LF = 0x0a;
const CR = 0x0d;

type Column = { kind: StockCsvColumn } | { kind: "attribute"; name: string; label: string } | { kind: "ignored" };

interface CsvRecord {
  cells: string[];
  /** Physical line where the record starts. */
  line: number;
}

/** Reads a UTF-8 CSV (BOM already removed). */
export function readStockCsv(bytes: Uint8Array): StockFileReadResult {
  const { records, syntaxError } = readRecords(bytes);
  const errors: FieldError[] = [];
  const [header, ...rows] = records;
  if (!header) {
    if (syntaxError) errors.push(syntaxError);
    return { candidates: [], errors, rowCount: 0 };
  }
  const { columns, errors: headerErrors } = readHeader(header);
  errors.push(...headerErrors);
  // A broken header leaves cells without a meaning: report it alone rather than
  // a cascade of misleading cell errors.
  const candidates = headerErrors.length > 0 ? [] : rows.map((record) => toCandidate(record, columns));
  if (syntaxError) errors.push(syntaxError);
  return { candidates, errors, rowCount: rows.length };
}

function readRecords(bytes: Uint8Array): { records: CsvRecord[]; syntaxError?: FieldError } {
  const lineAt = lineCounter(bytes);
  const records: CsvRecord[] = [];
  // End of the previous record: where the next one (or a syntax error) starts,
  // after any blank lines. Our own count, because csv-parse's `info.lines` is
  // the line where a record ends and counts a CRLF inside quotes twice.
  let end = 0;
  try {
    parse(bytes, {
      relax_column_count: true,
      skip_empty_lines: true,
      // Any mix of line endings (Excel on Windows, hand-edited files).
      record_delimiter: ["\r\n", "\n", "\r"],
      on_record: (cells: string[], context) => {
        const start = end;
        end = context.bytes;
        // Spreadsheets leave rows of empty cells (",,,") behind: not data.
        if (cells.every((cell) => cell.trim() === "")) return null;
        const line = lineAt(skipLineBreaks(bytes, start));
        // Header plus the allowed rows; stop reading as soon as there is one more.
        if (records.length > STOCK_FILE_MAX_ROWS) throw new TooManyRowsError(line);
        records.push({ cells, line });
        return null; // nothing to collect in csv-parse's own output
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return {
      records,
      syntaxError: { line: lineAt(skipLineBreaks(bytes, end)), field: "(row)", message: csvSyntaxMessage(error) },
    };
  }
  return { records };
}

function csvSyntaxMessage(error: CsvError): string {
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return "is not valid CSV: a quoted field starting in this row is never closed";
    case "CSV_INVALID_CLOSING_QUOTE":
      return 'is not valid CSV: a closing quote is followed by other characters (write a quote inside a quoted field as "")';
    case "INVALID_OPENING_QUOTE":
      return 'is not valid CSV: a quote appears inside an unquoted field (quote the whole field and write the quote as "")';
    default:
      return `is not valid CSV (${error.code})`;
  }
}

function readHeader(header: CsvRecord): { columns: Column[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const line = header.line;
  const seen = new Set<string>();
  const columns = header.cells.map((cell, index): Column => {
    const label = cell.trim();
    const lower = label.toLowerCase();
    if (label === "") {
      errors.push({ line, field: `column ${index + 1}`, message: "has no name" });
      return { kind: "ignored" };
    }
    const known = STOCK_CSV_COLUMNS.find((name) => name.toLowerCase() === lower);
    if (known) {
      if (seen.has(known)) {
        errors.push({ line, field: known, message: "appears more than once" });
        return { kind: "ignored" };
      }
      seen.add(known);
      return { kind: known };
    }
    if (lower.startsWith(VARIANT_COLUMN_PREFIX)) {
      const name = label.slice(VARIANT_COLUMN_PREFIX.length).trim().replace(/\s+/g, " ");
      if (name === "") {
        errors.push({ line, field: label, message: `needs an attribute name, e.g. ${VARIANT_COLUMN_PREFIX}size` });
        return { kind: "ignored" };
      }
      const nameCheck = variantAttributesSchema.safeParse({ [name]: "x" });
      if (!nameCheck.success) {
        const issue = nameCheck.error.issues[0] as { message: string; issues?: Array<{ message: string }> } | undefined;
        errors.push({
          line,
          field: label,
          message: issue?.issues?.[0]?.message ?? issue?.message ?? "is not a valid attribute name",
        });
        return { kind: "ignored" };
      }
      // Names differing only in case are separate columns (an export writes
      // names exactly as stored); a row may fill only one of them.
      const id = `${VARIANT_COLUMN_PREFIX}${name}`;
      if (seen.has(id)) {
        errors.push({ line, field: label, message: "appears more than once" });
        return { kind: "ignored" };
      }
      seen.add(id);
      return { kind: "attribute", name, label };
    }
    const hint = label.includes(";") ? " (columns must be separated by commas)" : "";
    errors.push({
      line,
      field: label,
      message: `is not a known column: expected ${STOCK_CSV_COLUMNS.join(", ")} or ${VARIANT_COLUMN_PREFIX}<attribute>${hint}`,
    });
    return { kind: "ignored" };
  });
  for (const required of STOCK_CSV_REQUIRED_COLUMNS) {
    if (!seen.has(required)) errors.push({ line, field: required, message: "column is missing" });
  }
  return { columns, errors };
}

/** The name a column's errors use for it. */
function labelOf(column: Column): string {
  if (column.kind === "attribute") return column.label;
  if (column.kind === "ignored") return "";
  return column.kind;
}

function toCandidate(record: CsvRecord, columns: Column[]): RowCandidate {
  const { line, cells } = record;
  const labels = new Map<string, string>();
  const field = (path: readonly PropertyKey[]): string => {
    const [first, second] = path.map(String);
    if (first === "variantAttributes")
      return second === undefined ? "variant" : (labels.get(second) ?? `${VARIANT_COLUMN_PREFIX}${second}`);
    return first ?? "(row)";
  };
  const byLabel = new Map(columns.map((column, index) => [labelOf(column), index] as const));
  const text = (fieldName: string) => {
    const index = byLabel.get(fieldName);
    return index === undefined ? undefined : cells[index];
  };
  const skuIndex = columns.findIndex((column) => column.kind === "sku");
  const sku = skuIndex === -1 ? undefined : cells[skuIndex];
  if (cells.length !== columns.length) {
    return {
      line,
      field,
      text,
      ...(sku === undefined ? {} : { sku }),
      errors: [{ line, field: "(row)", message: `has ${cells.length} fields but the header has ${columns.length}` }],
    };
  }
  const errors: FieldError[] = [];
  const value: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  columns.forEach((column, index) => {
    const cell = cells[index] ?? "";
    switch (column.kind) {
      case "sku":
      case "productId":
      case "productTitle":
      case "variantTitle":
      case "location":
        value[column.kind] = cell;
        break;
      case "quantity":
      case "lowStockThreshold":
      case "purchaseLimit": {
        // An empty threshold or limit cell means none; an empty quantity is an error.
        if (column.kind !== "quantity" && cell.trim() === "") {
          value[column.kind] = null;
          break;
        }
        const read = readWholeNumber(cell, column.kind === "purchaseLimit" ? 1 : 0);
        if ("error" in read) errors.push({ line, field: column.kind, message: read.error });
        // A placeholder keeps schema validation of the other cells going; the
        // row is refused anyway because of the error above.
        value[column.kind] = "error" in read ? 0 : read.value;
        break;
      }
      case "attribute":
        labels.set(column.name, column.label);
        if (cell.trim() !== "") attributes[column.name] = cell;
        break;
      case "ignored":
        break;
    }
  });
  value.variantAttributes = attributes;
  return { line, field, text, ...(sku === undefined ? {} : { sku }), value, errors };
}

/** Digits only: "12" yes; "12.5", "1e3", "-1", "abc", "" no. `min` is 0 or 1 (a purchase limit). */
function readWholeNumber(cell: string, min: 0 | 1): { value: number } | { error: string } {
  const text = cell.trim();
  if (text === "") return { error: "is required" };
  if (!/^-?[0-9]+$/.test(text)) return { error: "must be a whole number" };
  const value = Number(text) + 0; // + 0 turns "-0" into 0
  if (value < min) return { error: min === 1 ? PURCHASE_LIMIT_MIN_MESSAGE : "must not be negative" };
  if (!Number.isSafeInteger(value) || value > MAX_QUANTITY) return { error: `must be at most ${MAX_QUANTITY}` };
  return { value };
}

function skipLineBreaks(bytes: Uint8Array, offset: number): number {
  let position = offset;
  while (position < bytes.length && (bytes[position] === LF || bytes[position] === CR)) position++;
  return position;
}

/** Physical line (1-based) of a byte offset; offsets must not decrease between calls. */
function lineCounter(bytes: Uint8Array): (offset: number) => number {
  let position = 0;
  let line = 1;
  return (offset) => {
    for (; position < offset && position < bytes.length; position++) {
      const byte = bytes[position];
      if (byte === LF || (byte === CR && bytes[position + 1] !== LF)) line++;
    }
    return line;
  };
}
