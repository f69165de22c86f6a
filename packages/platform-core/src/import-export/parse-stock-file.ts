import { z } from "zod";
import { ErrorCode } from "../errors/error-codes.ts";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { skuSchema, stockItemInputSchema } from "../inventory/inputs.ts";
import { DEFAULT_LOCATION, locationCodeSchema } from "../locations/location-inputs.ts";
import { cleanVariantAttributes, variantKey, type VariantAttributes } from "../variants/variant-key.ts";
import { readStockCsv } from "./read-stock-csv.ts";
import { readStockJson } from "./read-stock-json.ts";
import {
  TooManyRowsError,
  type RowCandidate,
  type RowErrorContext,
  type StockFileReadResult,
} from "./row-candidate.ts";
import {
  STOCK_FILE_FORMATS,
  STOCK_FILE_MAX_BYTES,
  STOCK_FILE_MAX_ROWS,
  isStockFileFormat,
  type ParsedStockRow,
  type StockFileFormat,
} from "./stock-file-format.ts";
import { refId } from "../inventory/types.ts";

export interface ParseStockFileOptions {
  /** The uploaded file: text, or its raw bytes (must be UTF-8; a BOM is ignored). */
  content: string | Uint8Array;
  format: StockFileFormat;
}

/** A location code; spaces around it are dropped (as around a sku); an empty cell is the shop's default location. */
const fileLocationSchema = z
  .string({ error: "must be a location code" })
  .trim()
  .transform((code) => (code === "" ? DEFAULT_LOCATION : code))
  .pipe(locationCodeSchema);

/** The same rules the store applies, plus: no keys it would silently drop. */
const rowSchema = z.strictObject({ ...stockItemInputSchema.shape, location: fileLocationSchema.optional() });
type ZodIssue = z.ZodError["issues"][number];

/**
 * Reads a stock file into validated rows, or throws `validation_failed` whose
 * `details.errors` lists every problem found, each with `line`, `field` and
 * `message` (see `ParsedStockRow.line` for what a line is in each format).
 * Over `STOCK_FILE_MAX_BYTES` throws `payload_too_large`.
 */
export function parseStockFile({ content, format }: ParseStockFileOptions): { rows: ParsedStockRow[] } {
  if (!isStockFileFormat(format)) {
    throw InventoryError.validation([{ field: "format", message: `must be one of ${STOCK_FILE_FORMATS.join(", ")}` }]);
  }
  const text = readText(content, format);
  if (text.trim() === "")
    throw InventoryError.validation([{ field: "(file)", message: "no rows" }], "The file has no rows.");
  let read: StockFileReadResult;
  try {
    read = format === "csv" ? readStockCsv(new TextEncoder().encode(text)) : readStockJson(text);
  } catch (error) {
    if (!(error instanceof TooManyRowsError)) throw error;
    throw InventoryError.validation(
      [
        {
          ...(error.line === undefined ? {} : { line: error.line }),
          field: "(file)",
          message: `has more than ${STOCK_FILE_MAX_ROWS} rows`,
        },
      ],
      `The file has more than ${STOCK_FILE_MAX_ROWS} rows; split it into smaller files.`,
    );
  }

  const errors: FieldError[] = [...read.errors];
  const rows: ParsedStockRow[] = [];
  // First line of each (sku, variantKey, location), to name it when a later row repeats it.
  const firstLine = new Map<string, number>();
  // First valid row of each variant: its rows at other locations must describe the variant the same way.
  const firstOfVariant = new Map<string, ParsedStockRow>();
  for (const candidate of read.candidates) {
    const checked = checkCandidate(candidate);
    if (checked.identity !== undefined) {
      const earlier = firstLine.get(checked.identity);
      if (earlier === undefined) firstLine.set(checked.identity, candidate.line);
      else
        checked.errors.push({
          line: candidate.line,
          field: candidate.field(["sku"]),
          message: `duplicates line ${earlier} (same sku, variant and location)`,
        });
    }
    if (checked.errors.length === 0 && checked.row) {
      const variant = refId(checked.row);
      const first = firstOfVariant.get(variant);
      if (first === undefined) firstOfVariant.set(variant, checked.row);
      else checked.errors.push(...disagreements(checked.row, first, candidate));
    }
    if (checked.errors.length > 0) errors.push(...checked.errors);
    else if (checked.row) rows.push(checked.row);
  }
  const unreadable = errors.some((error) => ["(file)", "(row)", "items"].includes(error.field));
  if (read.rowCount === 0 && !unreadable) {
    errors.push({ field: "(file)", message: "no rows" });
  }
  if (errors.length > 0) {
    // File-wide problems first, then by line (stable: a row keeps its column order).
    errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const byLine = new Map(read.candidates.map((candidate) => [candidate.line, candidate]));
    throw new InventoryError(
      ErrorCode.validation_failed,
      `The ${format.toUpperCase()} file has ${errors.length} ${errors.length === 1 ? "problem" : "problems"}.`,
      // `context[i]` quotes the row of `errors[i]` back: its sku and the value as written.
      {
        details: {
          errors,
          context: errors.map((error) =>
            errorContext(error, error.line === undefined ? undefined : byLine.get(error.line)),
          ),
        },
      },
    );
  }
  return { rows };
}

/** Longest value an error quotes back; longer ones end in "…". */
const QUOTE_MAX = 80;

function quote(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX - 1)}…` : text;
}

/** The sku of the row an error is about and the value it found there, when the row has them. */
function errorContext(error: FieldError, candidate: RowCandidate | undefined): RowErrorContext {
  if (!candidate) return {};
  const sku = candidate.sku?.trim();
  const value = quote(candidate.text?.(error.field));
  return { ...(sku ? { sku: quote(sku) } : {}), ...(value === undefined ? {} : { value }) };
}

/** Validates one row; `identity` is set whenever sku and variant are readable, even if other fields are not. */
function checkCandidate(candidate: RowCandidate): { errors: FieldError[]; identity?: string; row?: ParsedStockRow } {
  const { line, value } = candidate;
  const errors: FieldError[] = [...candidate.errors];
  if (!value) return { errors };

  const parsed = rowSchema.safeParse(value);
  const issues = parsed.success ? [] : parsed.error.issues;
  for (const issue of issues) errors.push(...issueErrors(issue, value, candidate));

  const attributes = value.variantAttributes as Record<string, string> | undefined;
  const attributesValid = !issues.some((issue) => issue.path[0] === "variantAttributes");
  const collisions = attributesValid ? attributeCollisions(attributes, candidate) : [];
  errors.push(...collisions);
  const sku = skuSchema.safeParse(value.sku);
  const location = fileLocationSchema.optional().safeParse(value.location);
  const identity =
    sku.success && location.success && attributesValid && collisions.length === 0
      ? `${refId({ sku: sku.data, variantKey: variantKey(attributes) })}\u0000${location.data ?? DEFAULT_LOCATION}`
      : undefined;

  // One message per field: "1e21" is both "not a whole number" and "too big".
  const firstPerField = errors.filter(
    (error, index) => errors.findIndex((other) => other.field === error.field && other.line === error.line) === index,
  );
  if (!parsed.success || firstPerField.length > 0) return { errors: firstPerField, identity };
  const data = parsed.data;
  return {
    errors: [],
    identity,
    row: {
      line,
      sku: data.sku,
      productId: data.productId,
      productTitle: data.productTitle,
      variantTitle: data.variantTitle,
      variantAttributes: cleanVariantAttributes(data.variantAttributes),
      variantKey: variantKey(data.variantAttributes),
      location: data.location ?? DEFAULT_LOCATION,
      quantity: data.quantity,
      lowStockThreshold: data.lowStockThreshold,
      purchaseLimit: data.purchaseLimit,
    },
  };
}

/** The variant's own fields a row may give; rows for one variant at several locations must agree on them. */
const VARIANT_FIELDS = ["productId", "productTitle", "variantTitle", "lowStockThreshold", "purchaseLimit"] as const;

/** Same attributes regardless of key order. */
function sameAttributes(a: VariantAttributes, b: VariantAttributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * Where a row for a variant at another location describes the variant differently from its first row: one item has
 * one product id, title, threshold, limit and spelling of its attributes, whichever row would win. A field a row
 * leaves out (no such JSON key) agrees with anything.
 */
function disagreements(row: ParsedStockRow, first: ParsedStockRow, candidate: RowCandidate): FieldError[] {
  const errors: FieldError[] = [];
  const message = `must be the same as on line ${first.line} (the same variant at another location)`;
  for (const field of VARIANT_FIELDS) {
    const mine = row[field];
    const theirs = first[field];
    if (mine !== undefined && theirs !== undefined && mine !== theirs)
      errors.push({ line: row.line, field: candidate.field([field]), message });
  }
  if (!sameAttributes(row.variantAttributes, first.variantAttributes))
    errors.push({ line: row.line, field: candidate.field(["variantAttributes"]), message });
  return errors;
}

/**
 * Two attributes whose names differ only in case or spacing (`Size` and
 * `size`) are the same attribute to `variantKey`, which would keep one value
 * silently: refuse the row instead.
 */
function attributeCollisions(attributes: Record<string, string> | undefined, candidate: RowCandidate): FieldError[] {
  const errors: FieldError[] = [];
  const byCanonicalName = new Map<string, string>();
  for (const [name, value] of Object.entries(cleanVariantAttributes(attributes))) {
    // The canonical name, from the one function that defines it.
    const canonical = variantKey({ [name]: value }).split("=")[0] ?? name;
    const other = byCanonicalName.get(canonical);
    if (other === undefined) byCanonicalName.set(canonical, name);
    else
      errors.push({
        line: candidate.line,
        field: candidate.field(["variantAttributes", name]),
        message: `names the same attribute as ${candidate.field(["variantAttributes", other])}`,
      });
  }
  return errors;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function issueErrors(issue: ZodIssue, value: Record<string, unknown>, candidate: RowCandidate): FieldError[] {
  const line = candidate.line;
  const at = (path: readonly PropertyKey[], message: string): FieldError => ({
    line,
    field: candidate.field(path),
    message,
  });
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => at([...issue.path, key], "is not a known field"));
    case "invalid_key":
      return [at(issue.path, issue.issues[0]?.message ?? issue.message)];
    case "invalid_type": {
      if (valueAt(value, issue.path) === undefined) return [at(issue.path, "is required")];
      const expected: string = issue.expected;
      if (expected === "string") return [at(issue.path, "must be a string")];
      if (expected === "record" || expected === "object") return [at(issue.path, "must be an object")];
      return [at(issue.path, issue.message)];
    }
    default:
      return [at(issue.path, issue.message)];
  }
}

/** Checks the size, decodes UTF-8 and drops a byte order mark. */
function readText(content: string | Uint8Array, format: StockFileFormat): string {
  if (typeof content === "string") {
    if (exceedsUtf8Bytes(content, STOCK_FILE_MAX_BYTES)) throw tooLarge();
    return content.startsWith("\uFEFF") ? content.slice(1) : content;
  }
  if (!(content instanceof Uint8Array)) {
    throw InventoryError.validation([{ field: "content", message: "must be text or bytes" }]);
  }
  if (content.byteLength > STOCK_FILE_MAX_BYTES) throw tooLarge();
  try {
    // Strips a BOM; `fatal` refuses what is not UTF-8 (e.g. a Windows-1252 export)
    // instead of importing SKUs full of replacement characters.
    return new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    const line = firstInvalidUtf8Line(content);
    throw InventoryError.validation([
      format === "csv"
        ? { line, field: "(file)", message: "is not UTF-8 text: save the file as CSV UTF-8" }
        : { field: "(file)", message: `is not UTF-8 text (line ${line})` },
    ]);
  }
}

function tooLarge(): InventoryError {
  return new InventoryError(
    ErrorCode.payload_too_large,
    `The file is larger than ${STOCK_FILE_MAX_BYTES / 1024 / 1024} MiB; split it into smaller files.`,
    { details: { limitBytes: STOCK_FILE_MAX_BYTES } },
  );
}

/** Whether a string takes more than `limit` bytes as UTF-8, without encoding it. */
function exceedsUtf8Bytes(text: string, limit: number): boolean {
  if (text.length > limit) return true; // at least one byte per UTF-16 code unit
  if (text.length * 3 <= limit) return false; // at most three bytes per code unit
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one code point
      index++;
    } else bytes += 3;
  }
  return bytes > limit;
}

/** A line feed byte never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one. */
function firstInvalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    line++;
    start = end + 1;
  }
  return line;
}
