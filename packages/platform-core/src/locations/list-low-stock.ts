import { InventoryError } from "../errors/inventory-error.ts";
import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import { parseShopId } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { compareRefs, refId, type VariantRef } from "../inventory/types.ts";
import type { VariantAttributes } from "../variants/variant-key.ts";
import { getLocationStore } from "./get-location-store.ts";
import { parseLocationCode } from "./location-parsers.ts";
import type { LocationStore, StockLevel } from "./types.ts";

export interface ListLowStockOptions {
  shopId: string;
  /** A location code: the variants low there. Left out: the variants low in the shop as a whole (online). */
  location?: string;
  /** Default: the process-wide `getInventoryStore()`. */
  store?: InventoryStore;
  /** The same backend's location store (default: the process-wide `getLocationStore()`). */
  locations?: LocationStore;
}

/** What one location has free of a variant. */
export interface LowStockAtLocation {
  location: string;
  /** quantity - reserved there. */
  available: number;
  /** Whether these units count towards the shop's online availability (the location is active and fulfils online). */
  online: boolean;
}

/** A variant at or below its low-stock threshold. */
export interface LowStockVariant extends VariantRef {
  productId: string;
  productTitle: string;
  variantTitle: string;
  variantAttributes: VariantAttributes;
  lowStockThreshold: number;
  /** Free units: the shop's online total, or at the location asked for. */
  available: number;
  /**
   * Shop level only: the free units at each location that keeps stock of the variant, in the shop's location order
   * (priority, then code), offline ones included.
   */
  locations?: LowStockAtLocation[];
}

/**
 * The variants to restock, fewest free units first (then by sku and variant key). Shop level: every variant whose
 * online availability (`InventoryItem`: quantity - reserved over the active locations that fulfil online orders) is at
 * or below its `lowStockThreshold`, with what each location has free. With a location: the variants kept there (they
 * have a stock level there) whose units free there are at or below the same threshold; a variant never stocked there
 * is not low there. Variants without a threshold are never listed. Works on both backends (the JSON one has only
 * main, so both views agree there). An unknown location is `not_found`.
 */
export async function listLowStock({
  shopId,
  location,
  store = getInventoryStore(),
  locations = getLocationStore(),
}: ListLowStockOptions): Promise<LowStockVariant[]> {
  const id = parseShopId(shopId);
  const code = location === undefined ? undefined : parseLocationCode(location, "location");
  const [places, items, levels] = await Promise.all([
    locations.listLocations(id),
    store.listItems(id),
    locations.listLevels(id, code === undefined ? {} : { location: code }),
  ]);
  if (code !== undefined && !places.some((place) => place.code === code)) {
    throw new InventoryError("not_found", `Shop ${id} has no location coded ${code}.`);
  }
  const levelsOf = new Map<string, StockLevel[]>();
  for (const level of levels) levelsOf.set(refId(level), [...(levelsOf.get(refId(level)) ?? []), level]);
  const rank = new Map(places.map((place, index) => [place.code, index]));
  const online = new Set(places.filter((place) => place.online).map((place) => place.code));

  const low: LowStockVariant[] = [];
  for (const item of items) {
    const threshold = item.lowStockThreshold;
    if (threshold === null) continue;
    const here = levelsOf.get(refId(item)) ?? [];
    const fields = {
      sku: item.sku,
      variantKey: item.variantKey,
      productId: item.productId,
      productTitle: item.productTitle,
      variantTitle: item.variantTitle,
      variantAttributes: item.variantAttributes,
      lowStockThreshold: threshold,
    };
    if (code !== undefined) {
      const level = here[0];
      if (level && level.available <= threshold) low.push({ ...fields, available: level.available });
      continue;
    }
    if (item.available > threshold) continue;
    const breakdown = here
      .map((level) => ({ location: level.location, available: level.available, online: online.has(level.location) }))
      .sort((a, b) => (rank.get(a.location) ?? places.length) - (rank.get(b.location) ?? places.length));
    low.push({ ...fields, available: item.available, locations: breakdown });
  }
  return low.sort((a, b) => a.available - b.available || compareRefs(a, b));
}
