import type { FieldError } from "../errors/inventory-error.ts";
import type { InventoryItem, StockItemInput } from "../inventory/types.ts";
import type { VariantAttributes } from "../variants/variant-key.ts";
import type { ParsedStockRow } from "./stock-file-format.ts";

export type StockImportAction = "create" | "update" | "unchanged";

/** The importable fields of one variant. */
export interface StockImportSnapshot {
  productId: string;
  productTitle: string;
  variantTitle: string;
  quantity: number;
  lowStockThreshold: number | null;
  purchaseLimit: number | null;
  variantAttributes: VariantAttributes;
}

/** What an import does (or would do) to one variant. */
export interface StockImportChange {
  line: number;
  sku: string;
  variantKey: string;
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
  /** Rows the store would refuse: quantity below the units held by active checkouts. */
  conflicts: FieldError[];
}

export interface PreviewStockImportOptions {
  rows: ParsedStockRow[];
  /** The shop's current items among the rows' variants (others may be included; they are ignored). */
  existing: InventoryItem[];
}

/** Same attributes regardless of key order (PostgreSQL `jsonb` reorders keys). */
function sameAttributes(a: VariantAttributes, b: VariantAttributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * Compares parsed rows with current stock using the store's own rules: a row
 * changes a variant when its quantity, product id, titles, threshold or
 * purchase limit (when the file gives them) or attribute spelling differs. Variants of the shop that are not
 * in the file are not touched: an import never deletes.
 */
export function previewStockImport({ rows, existing }: PreviewStockImportOptions): StockImportPreview {
  const current = new Map(existing.map((item) => [`${item.sku}\u0000${item.variantKey}`, item]));
  const preview: StockImportPreview = { changes: [], created: 0, updated: 0, unchanged: 0, inputs: [], conflicts: [] };
  for (const row of rows) {
    const item = current.get(`${row.sku}\u0000${row.variantKey}`);
    const after: StockImportSnapshot = {
      productId: row.productId,
      productTitle: row.productTitle ?? item?.productTitle ?? "",
      variantTitle: row.variantTitle ?? item?.variantTitle ?? "",
      quantity: row.quantity,
      lowStockThreshold:
        row.lowStockThreshold === undefined ? (item?.lowStockThreshold ?? null) : row.lowStockThreshold,
      purchaseLimit: row.purchaseLimit === undefined ? (item?.purchaseLimit ?? null) : row.purchaseLimit,
      variantAttributes: row.variantAttributes,
    };
    const base = { line: row.line, sku: row.sku, variantKey: row.variantKey };
    if (!item) {
      preview.created++;
      preview.changes.push({ ...base, action: "create", after });
    } else {
      const before: StockImportSnapshot = {
        productId: item.productId,
        productTitle: item.productTitle,
        variantTitle: item.variantTitle,
        quantity: item.quantity,
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
        item.quantity === after.quantity &&
        item.productId === after.productId &&
        item.productTitle === after.productTitle &&
        item.variantTitle === after.variantTitle &&
        item.lowStockThreshold === after.lowStockThreshold &&
        item.purchaseLimit === after.purchaseLimit;
      if (unchanged) preview.unchanged++;
      else preview.updated++;
      preview.changes.push({ ...base, action: unchanged ? "unchanged" : "update", before, after });
      if (row.quantity < item.reserved) {
        preview.conflicts.push({
          line: row.line,
          field: "quantity",
          message: `${row.quantity} is below the ${item.reserved} units held by active checkouts`,
        });
      }
    }
    preview.inputs.push({
      sku: row.sku,
      productId: row.productId,
      ...(row.productTitle === undefined ? {} : { productTitle: row.productTitle }),
      ...(row.variantTitle === undefined ? {} : { variantTitle: row.variantTitle }),
      variantAttributes: after.variantAttributes,
      quantity: row.quantity,
      ...(row.lowStockThreshold === undefined ? {} : { lowStockThreshold: row.lowStockThreshold }),
      ...(row.purchaseLimit === undefined ? {} : { purchaseLimit: row.purchaseLimit }),
    });
  }
  return preview;
}
