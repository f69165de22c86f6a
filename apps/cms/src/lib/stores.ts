import { getHoldStore, getInventoryStore, type HoldStore, type InventoryStore } from "@acme/platform-core";

/** The configured backend's stores (one per process). */
export function getStores(): { inventory: InventoryStore; holds: HoldStore } {
  return { inventory: getInventoryStore(), holds: getHoldStore() };
}
