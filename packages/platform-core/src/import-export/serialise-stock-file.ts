import { stringify } from "csv-stringify/sync";
import {
  STOCK_CSV_COLUMNS,
  VARIANT_COLUMN_PREFIX,
  type StockFileDocument,
  type StockFileFormat,
  type StockFileItem,
} from "./stock-file-format.ts";

export interface SerialiseStockFileOptions {
  shopId: string;
  /** In the order they should appear (exports sort by sku, variant key, then location). */
  items: StockFileItem[];
  format: StockFileFormat;
  exportedAt: Date;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Writes items in the format `parseStockFile` reads, so that importing the
 * result changes nothing. Only importable fields are written: reserved and
 * available units belong to holds, not to files.
 *
 * CSV: one `variant.<name>` column per attribute name in use (names exactly as
 * stored, sorted), an empty cell where an item lacks it. Values are written
 * unaltered, even those starting with = + - @: prefixing them against
 * spreadsheet formula injection would change SKUs and attributes on re-import.
 * A UTF-8 BOM lets Excel read non-ASCII text correctly; the parser ignores it.
 */
export function serialiseStockFile({ shopId, items, format, exportedAt }: SerialiseStockFileOptions): string {
  if (format === "json") {
    const document: StockFileDocument = {
      shopId,
      exportedAt: exportedAt.toISOString(),
      items: items.map((item) => ({
        sku: item.sku,
        productId: item.productId,
        productTitle: item.productTitle,
        variantTitle: item.variantTitle,
        variantAttributes: item.variantAttributes,
        location: item.location,
        quantity: item.quantity,
        lowStockThreshold: item.lowStockThreshold,
        purchaseLimit: item.purchaseLimit,
      })),
    };
    return `${JSON.stringify(document, null, 2)}\n`;
  }
  const attributeNames = [...new Set(items.flatMap((item) => Object.keys(item.variantAttributes)))].sort(byCodeUnit);
  const header = [...STOCK_CSV_COLUMNS, ...attributeNames.map((name) => `${VARIANT_COLUMN_PREFIX}${name}`)];
  const records = items.map((item) => [
    item.sku,
    item.productId,
    item.productTitle,
    item.variantTitle,
    item.location,
    String(item.quantity),
    item.lowStockThreshold === null ? "" : String(item.lowStockThreshold),
    item.purchaseLimit === null ? "" : String(item.purchaseLimit),
    ...attributeNames.map((name) => item.variantAttributes[name] ?? ""),
  ]);
  return stringify([header, ...records], { bom: true, record_delimiter: "unix" });
}
