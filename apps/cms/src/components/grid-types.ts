import type { GridFilter } from "./grid-query";

/** One variant as the grid shows it (dates as ISO strings, as the JSON API sends them). */
export interface GridRow {
  sku: string;
  productId: string;
  productTitle: string;
  variantTitle: string;
  variantKey: string;
  variantAttributes: Record<string, string>;
  quantity: number;
  reserved: number;
  available: number;
  lowStockThreshold: number | null;
  /** Most units per checkout and per buyer; null: no limit. */
  purchaseLimit: number | null;
  version: number;
  updatedAt: string;
}

export interface GridPage {
  items: GridRow[];
  total: number;
  offset: number;
  limit: number;
  counts: Record<GridFilter, number>;
}

export function toGridRow(
  item: Omit<GridRow, "updatedAt" | "productTitle" | "variantTitle"> & {
    updatedAt: Date | string;
    productTitle?: string;
    variantTitle?: string;
  },
): GridRow {
  return {
    sku: item.sku,
    productId: item.productId,
    productTitle: item.productTitle ?? "",
    variantTitle: item.variantTitle ?? "",
    variantKey: item.variantKey,
    variantAttributes: item.variantAttributes,
    quantity: item.quantity,
    reserved: item.reserved,
    available: item.available,
    lowStockThreshold: item.lowStockThreshold,
    purchaseLimit: item.purchaseLimit,
    version: item.version,
    updatedAt: typeof item.updatedAt === "string" ? item.updatedAt : item.updatedAt.toISOString(),
  };
}
