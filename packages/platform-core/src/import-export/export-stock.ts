import { InventoryError } from "../errors/inventory-error.ts";
import { parseShopId } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { serialiseStockFile } from "./serialise-stock-file.ts";
import {
  STOCK_FILE_CONTENT_TYPES,
  STOCK_FILE_FORMATS,
  isStockFileFormat,
  type StockFileFormat,
} from "./stock-file-format.ts";

export interface ExportStockOptions {
  store: InventoryStore;
  shopId: string;
  format: StockFileFormat;
  /** Export time written into JSON and the file name (default: now). */
  now?: Date;
}

export interface ExportStockResult {
  content: string;
  /** For the `Content-Type` header. */
  contentType: string;
  /** Suggested download name, e.g. `stock-my-shop-2025-01-31T09-30-00Z.csv`. */
  filename: string;
}

/**
 * Every item of a shop as a stock file, sorted like `listItems` (sku, then
 * variant key). Importing the result into the same shop changes nothing.
 */
export async function exportStock({
  store,
  shopId,
  format,
  now = new Date(),
}: ExportStockOptions): Promise<ExportStockResult> {
  const id = parseShopId(shopId);
  if (!isStockFileFormat(format)) {
    throw InventoryError.validation([{ field: "format", message: `must be one of ${STOCK_FILE_FORMATS.join(", ")}` }]);
  }
  const items = await store.listItems(id);
  const content = serialiseStockFile({ shopId: id, items, format, exportedAt: now });
  // No colons: they are not allowed in Windows file names.
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-");
  return { content, contentType: STOCK_FILE_CONTENT_TYPES[format], filename: `stock-${id}-${stamp}.${format}` };
}
