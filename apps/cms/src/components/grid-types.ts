import type { GridFilter } from "./grid-query";

/** A variant's stock at one location. */
export interface GridLevel {
  location: string;
  quantity: number;
  reserved: number;
  available: number;
  incoming: number;
}

/** A location as the grid's selector and columns name it. */
export interface GridLocation {
  code: string;
  name: string;
  /** Active and selling online: its units are in the shop total. */
  online: boolean;
}

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
  /** Its stock at each location that has a row for it (quantity, reserved and available above are the shop total). */
  levels: GridLevel[];
}

export interface GridPage {
  items: GridRow[];
  total: number;
  offset: number;
  limit: number;
  counts: Record<GridFilter, number>;
}

export function toGridRow(
  item: Omit<GridRow, "updatedAt" | "productTitle" | "variantTitle" | "levels"> & {
    updatedAt: Date | string;
    productTitle?: string;
    variantTitle?: string;
    levels?: GridLevel[];
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
    levels: (item.levels ?? []).map(toGridLevel),
  };
}

export function toGridLevel(level: GridLevel): GridLevel {
  return {
    location: level.location,
    quantity: level.quantity,
    reserved: level.reserved,
    available: level.available,
    incoming: level.incoming,
  };
}

/** The variant's stock at `location`: zero where it has no row yet. */
export function levelAt(row: GridRow, location: string): GridLevel {
  return (
    row.levels.find((level) => level.location === location) ?? {
      location,
      quantity: 0,
      reserved: 0,
      available: 0,
      incoming: 0,
    }
  );
}
