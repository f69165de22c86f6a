import type { StockLocationView } from "@acme/platform-core";
import type { AllocationStrategy, LocationKind } from "@acme/platform-core/universal";

/** A location as the CMS pages show it: the library's view without its shop and dates, with its stock summed. */
export type LocationRowData = Omit<StockLocationView, "shopId" | "createdAt" | "updatedAt"> & {
  onHand: number;
  held: number;
  incoming: number;
  variants: number;
};

export const KIND_LABELS: Record<LocationKind, string> = { warehouse: "Warehouse", store: "Store" };

/** What each allocation strategy does, in one line. */
export const STRATEGY_TEXT: Record<AllocationStrategy, { label: string; help: string }> = {
  fewest_locations: {
    label: "Fewest locations",
    help: "Each order comes from as few locations as can fill it (one where possible), the best priority among those.",
  },
  priority: {
    label: "Priority order",
    help: "Units come from the location with the lowest priority number first, then from the next, and so on.",
  },
};

/** A location as operators name it: "North store (north)". */
export function locationLabel(location: { code: string; name: string }): string {
  return location.name && location.name !== location.code ? `${location.name} (${location.code})` : location.code;
}

export function toLocationRow(location: LocationRowData): LocationRowData {
  return {
    code: location.code,
    name: location.name,
    kind: location.kind,
    active: location.active,
    fulfilsOnline: location.fulfilsOnline,
    priority: location.priority,
    isDefault: location.isDefault,
    online: location.online,
    onHand: location.onHand,
    held: location.held,
    incoming: location.incoming,
    variants: location.variants,
  };
}
