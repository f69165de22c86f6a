import type { AllocationStrategy, StockLevel, StockLocationView } from "@acme/platform-core";
import { getStores } from "@/lib/stores";

/** A location with the stock it keeps, as the Locations page and its API show it. */
export interface LocationSummary extends StockLocationView {
  /** Units on hand here, over every variant. */
  onHand: number;
  /** Units held here by active checkouts. */
  held: number;
  /** Units on their way here in transfers in transit. */
  incoming: number;
  /** Variants with a stock row here. */
  variants: number;
}

export interface ShopLocations {
  locations: LocationSummary[];
  strategy: AllocationStrategy;
  /** The JSON backend keeps one location per shop (main) and no transfers. */
  backend: "prisma" | "json";
}

/** Adds up each location's stock rows. */
export function summarise(locations: StockLocationView[], levels: StockLevel[]): LocationSummary[] {
  const totals = new Map(locations.map((l) => [l.code, { onHand: 0, held: 0, incoming: 0, variants: 0 }]));
  for (const level of levels) {
    const total = totals.get(level.location);
    if (!total) continue;
    total.onHand += level.quantity;
    total.held += level.reserved;
    total.incoming += level.incoming;
    total.variants += 1;
  }
  return locations.map((location) => ({ ...location, ...totals.get(location.code)! }));
}

/** The shop's locations (by priority, then code) with their stock, and how a checkout chooses among them. */
export async function loadShopLocations(shopId: string): Promise<ShopLocations> {
  const { inventory, locations } = getStores();
  const [list, levels, strategy] = await Promise.all([
    locations.listLocations(shopId),
    locations.listLevels(shopId),
    locations.getAllocationStrategy(shopId),
  ]);
  return { locations: summarise(list, levels), strategy, backend: inventory.backend };
}
