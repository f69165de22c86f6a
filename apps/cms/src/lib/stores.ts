import {
  getHoldStore,
  getInventoryStore,
  getLocationStore,
  type HoldStore,
  type InventoryStore,
  type LocationStore,
} from "@acme/platform-core";

/** The configured backend's stores (one per process). */
export function getStores(): { inventory: InventoryStore; holds: HoldStore; locations: LocationStore } {
  return { inventory: getInventoryStore(), holds: getHoldStore(), locations: getLocationStore() };
}
