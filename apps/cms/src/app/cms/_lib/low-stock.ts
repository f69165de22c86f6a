import {
  listInventoryPage,
  listRecentStockAlerts,
  type InventoryItem,
  type RecentStockAlert,
  type StockLevel,
} from "@acme/platform-core";
import { refId } from "@acme/platform-core/universal";
import { getStores } from "@/lib/stores";
import { withLevels } from "./grid-levels";
import type { GridLevel } from "@/components/grid-types";

/** A variant on the low-stock page: the shop total, its stock at each location, and at `location` when one is chosen. */
export interface LowStockRow extends InventoryItem {
  levels: GridLevel[];
  /** Its stock at the location the page shows (absent for the shop total). */
  here?: GridLevel;
}

export interface LowStockReport {
  /** The location shown, or undefined for the shop total. */
  location?: string;
  /** Some units available, but at or below the threshold; fewest first. */
  low: LowStockRow[];
  /** Nothing available (on hand all sold or held). */
  out: LowStockRow[];
  /** Alerts raised in the last 7 days (PostgreSQL backend only). */
  alerts: RecentStockAlert[];
  /** Totals, when a list was cut at `LOW_STOCK_LIST_LIMIT`. */
  lowTotal: number;
  outTotal: number;
}

export const LOW_STOCK_LIST_LIMIT = 500;

/**
 * What needs restocking. For the shop (no `location`): variants whose shop total (online locations) is out or at or
 * below the threshold, each with its stock per location. For one location: the variants stocked there whose units
 * free there are out, or at or below the variant's threshold.
 */
export async function loadLowStock(shopId: string, location?: string): Promise<LowStockReport> {
  const { inventory } = getStores();
  const alerts = inventory.backend === "prisma" ? listRecentStockAlerts({ shopId }) : Promise.resolve([]);
  if (location !== undefined) return { ...(await lowAtLocation(shopId, location)), alerts: await alerts };
  const query = { sort: "available", direction: "asc", limit: LOW_STOCK_LIST_LIMIT } as const;
  const [low, out] = await Promise.all([
    listInventoryPage({ shopId, store: inventory, query: { ...query, filter: "low" } }),
    listInventoryPage({ shopId, store: inventory, query: { ...query, sort: "sku", filter: "out" } }),
  ]);
  return {
    low: await withLevels(shopId, low.items),
    out: await withLevels(shopId, out.items),
    alerts: await alerts,
    lowTotal: low.total,
    outTotal: out.total,
  };
}

async function lowAtLocation(shopId: string, location: string): Promise<Omit<LowStockReport, "alerts">> {
  const { inventory, locations } = getStores();
  const [levels, items] = await Promise.all([locations.listLevels(shopId, { location }), inventory.listItems(shopId)]);
  const byRef = new Map(items.map((item) => [refId(item), item]));
  const low: Array<{ item: InventoryItem; level: StockLevel }> = [];
  const out: Array<{ item: InventoryItem; level: StockLevel }> = [];
  for (const level of levels) {
    const item = byRef.get(refId(level));
    if (!item) continue;
    if (level.available <= 0) out.push({ item, level });
    else if (item.lowStockThreshold !== null && level.available <= item.lowStockThreshold) low.push({ item, level });
  }
  // Fewest free first; then as the grid orders variants.
  low.sort((a, b) => a.level.available - b.level.available);
  const rows = async (list: typeof low) =>
    (
      await withLevels(
        shopId,
        list.slice(0, LOW_STOCK_LIST_LIMIT).map(({ item }) => item),
      )
    ).map((row) => ({
      ...row,
      here: row.levels.find((level) => level.location === location)!,
    }));
  return { location, low: await rows(low), out: await rows(out), lowTotal: low.length, outTotal: out.length };
}
