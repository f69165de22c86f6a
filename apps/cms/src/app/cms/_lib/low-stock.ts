import {
  listInventoryPage,
  listLowStock,
  listRecentStockAlerts,
  type InventoryItem,
  type RecentStockAlert,
} from "@acme/platform-core";
import { refId } from "@acme/platform-core/universal";
import { getStores } from "@/lib/stores";
import { withLevels } from "./grid-levels";
import type { GridLevel } from "@/components/grid-types";

/** A variant on the low-stock page: the shop total, its stock at each location, and at `location` when one is shown. */
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
 * What needs restocking. For the shop (no `location`): variants whose shop total (online locations) is out, or at or
 * below the threshold, paged in SQL, each with its stock per location. For one location: the library's
 * `listLowStock` there (the variants kept there whose units free there are at or below their threshold), out first.
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

/** The library's low stock at one location (variants kept there with a threshold), as the page's rows. */
async function lowAtLocation(shopId: string, location: string): Promise<Omit<LowStockReport, "alerts">> {
  const { inventory, locations } = getStores();
  const variants = await listLowStock({ shopId, location, store: inventory, locations });
  const shown = variants.slice(0, LOW_STOCK_LIST_LIMIT * 2);
  const items = new Map(
    (
      await inventory.getItems(
        shopId,
        shown.map(({ sku, variantKey }) => ({ sku, variantKey })),
      )
    ).map((item) => [refId(item), item]),
  );
  const rows = (
    await withLevels(
      shopId,
      shown.flatMap((variant) => items.get(refId(variant)) ?? []),
    )
  ).map((row) => ({
    ...row,
    here: row.levels.find((level) => level.location === location)!,
  }));
  const out = rows.filter((row) => row.here.available <= 0);
  const low = rows.filter((row) => row.here.available > 0);
  return {
    location,
    low: low.slice(0, LOW_STOCK_LIST_LIMIT),
    out: out.slice(0, LOW_STOCK_LIST_LIMIT),
    lowTotal: variants.filter((variant) => variant.available > 0).length,
    outTotal: variants.filter((variant) => variant.available <= 0).length,
  };
}
