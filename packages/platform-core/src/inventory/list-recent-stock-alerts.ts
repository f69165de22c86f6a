import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseShopId } from "./inputs.ts";
import type { InventoryItem } from "./types.ts";

export interface RecentStockAlert {
  sku: string;
  variantKey: string;
  lastAlertedAt: Date;
  /** Units available when the alert was raised. */
  lastAvailable: number;
  /** The variant as it is now; null if it no longer exists. */
  item: InventoryItem | null;
}

export interface ListRecentStockAlertsOptions {
  shopId: string;
  /** Only alerts raised at or after this time (default: 7 days before `now`). */
  since?: Date;
  now?: Date;
  /** At most this many, newest first (default 100, max 1000). */
  limit?: number;
  database?: Database;
}

interface Row {
  sku: string;
  variantKey: string;
  lastAlertedAt: Date;
  lastAvailable: number;
  item:
    null | (Omit<InventoryItem, "available" | "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string });
}

/**
 * Variants of a shop that raised a low-stock alert recently (`StockAlertState`,
 * written by the alert job on PostgreSQL), newest first, each with its current
 * stock. Stock alert state lives only in PostgreSQL.
 */
export async function listRecentStockAlerts({
  shopId,
  now = new Date(),
  since = new Date(now.getTime() - 7 * 24 * 3600 * 1000),
  limit = 100,
  database = getDatabase(),
}: ListRecentStockAlertsOptions): Promise<RecentStockAlert[]> {
  const id = parseShopId(shopId);
  const take = Math.min(Math.max(Math.trunc(limit) || 1, 1), 1000);
  try {
    const rows = await database.prisma.$queryRaw<Row[]>`
      SELECT a.sku, a."variantKey", a."lastAlertedAt", a."lastAvailable",
        CASE WHEN i.sku IS NULL THEN NULL ELSE jsonb_build_object(
          'shopId', i."shopId", 'sku', i.sku, 'productId', i."productId",
          'productTitle', i."productTitle", 'variantTitle', i."variantTitle", 'variantKey', i."variantKey",
          'variantAttributes', i."variantAttributes", 'quantity', i.quantity, 'reserved', i.reserved,
          'lowStockThreshold', i."lowStockThreshold", 'purchaseLimit', i."purchaseLimit", 'version', i.version,
          'createdAt', i."createdAt", 'updatedAt', i."updatedAt") END AS item
      FROM "StockAlertState" a
      LEFT JOIN "InventoryItem" i ON i."shopId" = a."shopId" AND i.sku = a.sku AND i."variantKey" = a."variantKey"
      WHERE a."shopId" = ${id} AND a."lastAlertedAt" >= ${since}::timestamptz
      ORDER BY a."lastAlertedAt" DESC, a.sku COLLATE "C", a."variantKey" COLLATE "C"
      LIMIT ${take}`;
    return rows.map((row) => ({
      sku: row.sku,
      variantKey: row.variantKey,
      lastAlertedAt: new Date(row.lastAlertedAt),
      lastAvailable: row.lastAvailable,
      item: row.item
        ? {
            ...row.item,
            available: row.item.quantity - row.item.reserved,
            createdAt: new Date(row.item.createdAt),
            updatedAt: new Date(row.item.updatedAt),
          }
        : null,
    }));
  } catch (error) {
    throw toInventoryError(error);
  }
}
