import { Prisma } from "../generated/prisma/client.ts";
import type { InventoryItem } from "./types.ts";

/** An `InventoryItem` row as raw SQL returns it (select `ITEM_COLUMNS`). */
export interface ItemRow {
  shopId: string;
  sku: string;
  productId: string;
  productTitle: string;
  variantTitle: string;
  variantKey: string;
  variantAttributes: unknown;
  quantity: number;
  reserved: number;
  lowStockThreshold: number | null;
  purchaseLimit: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ITEM_COLUMNS = Prisma.sql`"shopId", sku, "productId", "productTitle", "variantTitle", "variantKey", "variantAttributes", quantity, reserved, "lowStockThreshold", "purchaseLimit", version, "createdAt", "updatedAt"`;

export function toItem(row: ItemRow): InventoryItem {
  return {
    shopId: row.shopId,
    sku: row.sku,
    productId: row.productId,
    productTitle: row.productTitle ?? "",
    variantTitle: row.variantTitle ?? "",
    variantKey: row.variantKey,
    variantAttributes: (row.variantAttributes ?? {}) as Record<string, string>,
    quantity: row.quantity,
    reserved: row.reserved,
    available: row.quantity - row.reserved,
    lowStockThreshold: row.lowStockThreshold,
    purchaseLimit: row.purchaseLimit,
    version: row.version,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}
