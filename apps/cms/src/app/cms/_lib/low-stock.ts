import {
  listInventoryPage,
  listRecentStockAlerts,
  type InventoryItem,
  type RecentStockAlert,
} from "@acme/platform-core";
import { getStores } from "@/lib/stores";

export interface LowStockReport {
  /** Some units available, but at or below the threshold; fewest first. */
  low: InventoryItem[];
  /** Nothing available (on hand all sold or held). */
  out: InventoryItem[];
  /** Alerts raised in the last 7 days (PostgreSQL backend only). */
  alerts: RecentStockAlert[];
  /** Totals, when a list was cut at `LOW_STOCK_LIST_LIMIT`. */
  lowTotal: number;
  outTotal: number;
}

export const LOW_STOCK_LIST_LIMIT = 500;

export async function loadLowStock(shopId: string): Promise<LowStockReport> {
  const { inventory } = getStores();
  const query = { sort: "available", direction: "asc", limit: LOW_STOCK_LIST_LIMIT } as const;
  const [low, out, alerts] = await Promise.all([
    listInventoryPage({ shopId, store: inventory, query: { ...query, filter: "low" } }),
    listInventoryPage({ shopId, store: inventory, query: { ...query, sort: "sku", filter: "out" } }),
    inventory.backend === "prisma" ? listRecentStockAlerts({ shopId }) : Promise.resolve([]),
  ]);
  return { low: low.items, out: out.items, alerts, lowTotal: low.total, outTotal: out.total };
}
