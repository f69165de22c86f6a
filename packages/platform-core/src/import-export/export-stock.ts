import { InventoryError } from "../errors/inventory-error.ts";
import { parseShopId } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { refId, type InventoryItem } from "../inventory/types.ts";
import { getLocationStore } from "../locations/get-location-store.ts";
import { DEFAULT_LOCATION } from "../locations/location-inputs.ts";
import type { LocationStore, StockLevel } from "../locations/types.ts";
import { serialiseStockFile } from "./serialise-stock-file.ts";
import {
  STOCK_FILE_CONTENT_TYPES,
  STOCK_FILE_FORMATS,
  isStockFileFormat,
  type StockFileFormat,
  type StockFileItem,
} from "./stock-file-format.ts";

export interface ExportStockOptions {
  store: InventoryStore;
  /** The locations and per-location stock of `store`'s backend (default: the process-wide `getLocationStore()`). */
  locations?: LocationStore;
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
 * Every item of a shop as a stock file: one row per variant and location that keeps a stock level (online or not),
 * and a `main` row for a variant kept nowhere yet, sorted by sku, variant key, then location. Importing the result
 * into the same shop changes nothing.
 */
export async function exportStock({
  store,
  locations = getLocationStore(),
  shopId,
  format,
  now = new Date(),
}: ExportStockOptions): Promise<ExportStockResult> {
  const id = parseShopId(shopId);
  if (!isStockFileFormat(format)) {
    throw InventoryError.validation([{ field: "format", message: `must be one of ${STOCK_FILE_FORMATS.join(", ")}` }]);
  }
  // Two reads, not one snapshot: a variant created between them is left out, as if the export ran just before.
  const [items, levels] = await Promise.all([store.listItems(id), locations.listLevels(id)]);
  const content = serialiseStockFile({ shopId: id, items: stockFileRows(items, levels), format, exportedAt: now });
  // No colons: they are not allowed in Windows file names.
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-");
  return { content, contentType: STOCK_FILE_CONTENT_TYPES[format], filename: `stock-${id}-${stamp}.${format}` };
}

/** Items (sorted by sku, variant key) and levels (sorted by sku, variant key, location) as rows in the same order. */
function stockFileRows(items: InventoryItem[], levels: StockLevel[]): StockFileItem[] {
  const byVariant = new Map<string, StockLevel[]>();
  for (const level of levels) {
    const key = refId(level);
    const list = byVariant.get(key);
    if (list) list.push(level);
    else byVariant.set(key, [level]);
  }
  return items.flatMap((item) => {
    const fields = {
      sku: item.sku,
      productId: item.productId,
      productTitle: item.productTitle,
      variantTitle: item.variantTitle,
      variantAttributes: item.variantAttributes,
      lowStockThreshold: item.lowStockThreshold,
      purchaseLimit: item.purchaseLimit,
    };
    const at = byVariant.get(refId(item));
    if (!at) return [{ ...fields, location: DEFAULT_LOCATION, quantity: item.quantity }];
    return at.map((level) => ({ ...fields, location: level.location, quantity: level.quantity }));
  });
}
