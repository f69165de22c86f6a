import type { FieldError } from "../errors/inventory-error.ts";
import { refId, type InventoryItem, type StockItemInput } from "../inventory/types.ts";
import type { StockLevel } from "../locations/types.ts";
import type { VariantAttributes } from "../variants/variant-key.ts";
import type { ParsedStockRow } from "./stock-file-format.ts";

export type StockImportAction = "create" | "update" | "unchanged";

/** The importable fields of one variant at one location. */
export interface StockImportSnapshot {
  productId: string;
  productTitle: string;
  variantTitle: string;
  /** Units on hand at the row's location (0 where the variant has none yet). */
  quantity: number;
  lowStockThreshold: number | null;
  purchaseLimit: number | null;
  variantAttributes: VariantAttributes;
}

/** What an import does (or would do) to one variant at one location: one row of the file. */
export interface StockImportChange {
  line: number;
  sku: string;
  variantKey: string;
  /** The location code the row's quantity is at. */
  location: string;
  action: StockImportAction;
  /** Absent for `create`. */
  before?: StockImportSnapshot;
  after: StockImportSnapshot;
}

export interface StockImportPreview {
  changes: StockImportChange[];
  created: number;
  updated: number;
  unchanged: number;
  /** One input per row, in row order, for `store.upsertItems`. */
  inputs: StockItemInput[];
  /** Rows the store would refuse: quantity below the units held there by active checkouts. */
  conflicts: FieldError[];
}

/** What the preview reads of a stock level. */
export type StockImportLevel = Pick<StockLevel, "sku" | "variantKey" | "location" | "quantity" | "reserved">;

export interface PreviewStockImportOptions {
  rows: ParsedStockRow[];
  /** The shop's current items among the rows' variants (others may be included; they are ignored). */
  existing: InventoryItem[];
  /** Their stock levels at every location (a variant with no level at a location has nothing there). */
  levels: StockImportLevel[];
}

/** Same attributes regardless of key order (PostgreSQL `jsonb` reorders keys). */
function sameAttributes(a: VariantAttributes, b: VariantAttributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** A variant's own fields as the file gives them: the first of its rows that gives each (its rows agree). */
type GivenFields = Pick<ParsedStockRow, "productTitle" | "variantTitle" | "lowStockThreshold" | "purchaseLimit">;

function givenFields(rows: ParsedStockRow[]): Map<string, GivenFields> {
  const given = new Map<string, GivenFields>();
  for (const row of rows) {
    const fields = given.get(refId(row));
    if (!fields) {
      given.set(refId(row), {
        productTitle: row.productTitle,
        variantTitle: row.variantTitle,
        lowStockThreshold: row.lowStockThreshold,
        purchaseLimit: row.purchaseLimit,
      });
      continue;
    }
    fields.productTitle ??= row.productTitle;
    fields.variantTitle ??= row.variantTitle;
    if (fields.lowStockThreshold === undefined) fields.lowStockThreshold = row.lowStockThreshold;
    if (fields.purchaseLimit === undefined) fields.purchaseLimit = row.purchaseLimit;
  }
  return given;
}

/**
 * Compares parsed rows with current stock using the store's own rules, row by row (a row is one variant at one
 * location): a row changes its variant when the quantity at its location, or the variant's product id, titles,
 * threshold or purchase limit (when the file gives them) or attribute spelling differs. The first row of a variant
 * the file creates is its `create`; the variant's rows at other locations are `update`s from nothing there, as the
 * store counts them. Variants and locations of the shop that are not in the file are not touched: an import never
 * deletes.
 */
export function previewStockImport({ rows, existing, levels }: PreviewStockImportOptions): StockImportPreview {
  const current = new Map(existing.map((item) => [refId(item), item]));
  const stockAt = new Map(levels.map((level) => [levelKey(level), level]));
  const given = givenFields(rows);
  const preview: StockImportPreview = { changes: [], created: 0, updated: 0, unchanged: 0, inputs: [], conflicts: [] };
  // Variants this file creates: what the first row of each makes of it.
  const creating = new Map<string, StockImportSnapshot>();
  for (const row of rows) {
    const item = current.get(refId(row));
    const fields = given.get(refId(row))!;
    const level = stockAt.get(levelKey(row));
    const after: StockImportSnapshot = {
      productId: row.productId,
      productTitle: fields.productTitle ?? item?.productTitle ?? "",
      variantTitle: fields.variantTitle ?? item?.variantTitle ?? "",
      quantity: row.quantity,
      lowStockThreshold:
        fields.lowStockThreshold === undefined ? (item?.lowStockThreshold ?? null) : fields.lowStockThreshold,
      purchaseLimit: fields.purchaseLimit === undefined ? (item?.purchaseLimit ?? null) : fields.purchaseLimit,
      variantAttributes: row.variantAttributes,
    };
    const base = { line: row.line, sku: row.sku, variantKey: row.variantKey, location: row.location };
    const created = creating.get(refId(row));
    if (!item && !created) {
      creating.set(refId(row), after);
      preview.created++;
      preview.changes.push({ ...base, action: "create", after });
    } else if (!item) {
      // Another location of a variant an earlier row creates: nothing there before this row.
      preview.updated++;
      preview.changes.push({ ...base, action: "update", before: { ...created!, quantity: 0 }, after });
    } else {
      const before: StockImportSnapshot = {
        productId: item.productId,
        productTitle: item.productTitle,
        variantTitle: item.variantTitle,
        quantity: level?.quantity ?? 0,
        lowStockThreshold: item.lowStockThreshold,
        purchaseLimit: item.purchaseLimit,
        variantAttributes: item.variantAttributes,
      };
      const attributesUnchanged = sameAttributes(item.variantAttributes, row.variantAttributes);
      // Send the stored object when only key order differs, so a store that
      // compares attributes as JSON text sees no change.
      if (attributesUnchanged) after.variantAttributes = item.variantAttributes;
      const unchanged =
        attributesUnchanged &&
        before.quantity === after.quantity &&
        item.productId === after.productId &&
        item.productTitle === after.productTitle &&
        item.variantTitle === after.variantTitle &&
        item.lowStockThreshold === after.lowStockThreshold &&
        item.purchaseLimit === after.purchaseLimit;
      if (unchanged) preview.unchanged++;
      else preview.updated++;
      preview.changes.push({ ...base, action: unchanged ? "unchanged" : "update", before, after });
      const held = level?.reserved ?? 0;
      if (row.quantity < held) {
        preview.conflicts.push({
          line: row.line,
          field: "quantity",
          message: `${row.quantity} is below the ${held} units held by active checkouts at ${row.location}`,
        });
      }
    }
    preview.inputs.push({
      sku: row.sku,
      productId: row.productId,
      ...(row.productTitle === undefined ? {} : { productTitle: row.productTitle }),
      ...(row.variantTitle === undefined ? {} : { variantTitle: row.variantTitle }),
      variantAttributes: after.variantAttributes,
      location: row.location,
      quantity: row.quantity,
      ...(row.lowStockThreshold === undefined ? {} : { lowStockThreshold: row.lowStockThreshold }),
      ...(row.purchaseLimit === undefined ? {} : { purchaseLimit: row.purchaseLimit }),
    });
  }
  return preview;
}

function levelKey(level: { sku: string; variantKey: string; location: string }): string {
  return `${refId(level)}\u0000${level.location}`;
}
