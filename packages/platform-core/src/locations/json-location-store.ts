import { InventoryError } from "../errors/inventory-error.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { parseShopId } from "../inventory/inputs.ts";
import { refId } from "../inventory/types.ts";
import type { HoldStore } from "../holds/types.ts";
import { DEFAULT_LOCATION } from "./location-inputs.ts";
import {
  parseCreateLocation,
  parseLocationCode,
  parseRefs,
  parseStrategy,
  parseTransfer,
  parseUpdateLocation,
} from "./location-parsers.ts";
import type { LocationStore, StockLocationView } from "./types.ts";

const ONE_LOCATION =
  "The JSON backend keeps one location per shop (main); use the PostgreSQL backend for warehouses, stores and transfers.";

/** A synchronous answer as the interface's promise (a throw becomes a rejection). */
function answer<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function main(shopId: string): StockLocationView {
  const epoch = new Date(0);
  return {
    shopId,
    code: DEFAULT_LOCATION,
    name: "Main warehouse",
    kind: "warehouse",
    active: true,
    fulfilsOnline: true,
    priority: 100,
    isDefault: true,
    online: true,
    createdAt: epoch,
    updatedAt: epoch,
  };
}

/**
 * Locations on the JSON backend (development and tiny shops): every shop has exactly its main location, which
 * holds all of its stock; a second location, a transfer, or taking main offline is refused with `conflict`.
 */
export function createJsonLocationStore(inventory: InventoryStore, holds: HoldStore): LocationStore {
  return {
    listLocations: (shopId) => answer(() => [main(parseShopId(shopId))]),
    createLocation: (input) =>
      answer(() => {
        parseCreateLocation(input);
        throw new InventoryError("conflict", ONE_LOCATION);
      }),
    updateLocation: (input) =>
      answer(() => {
        const change = parseUpdateLocation(input);
        if (change.code !== DEFAULT_LOCATION) {
          throw new InventoryError("not_found", `Shop ${change.shopId} has no location coded ${change.code}.`);
        }
        const same =
          (change.name === undefined || change.name === "Main warehouse") &&
          (change.kind === undefined || change.kind === "warehouse") &&
          change.active !== false &&
          change.fulfilsOnline !== false &&
          (change.priority === undefined || change.priority === 100);
        if (!same) throw new InventoryError("conflict", ONE_LOCATION);
        return main(change.shopId);
      }),
    getAllocationStrategy: (shopId) =>
      answer(() => {
        parseShopId(shopId);
        return "fewest_locations" as const;
      }),
    setAllocationStrategy: ({ shopId, strategy }) =>
      answer(() => {
        parseShopId(shopId);
        const value = parseStrategy(strategy);
        if (value !== "fewest_locations") throw new InventoryError("conflict", ONE_LOCATION);
        return value;
      }),
    listLevels: async (shopId, options = {}) => {
      const id = parseShopId(shopId);
      if (options.location !== undefined && parseLocationCode(options.location, "location") !== DEFAULT_LOCATION) {
        return [];
      }
      const wanted = options.refs === undefined ? null : new Set(parseRefs(options.refs).map(refId));
      const items = await inventory.listItems(id);
      return items
        .filter((item) => wanted === null || wanted.has(refId(item)))
        .map((item) => ({
          shopId: id,
          sku: item.sku,
          variantKey: item.variantKey,
          location: DEFAULT_LOCATION,
          quantity: item.quantity,
          reserved: item.reserved,
          available: item.available,
          incoming: 0,
          updatedAt: item.updatedAt,
        }));
    },
    createTransfer: (input) =>
      answer(() => {
        parseTransfer(input);
        throw new InventoryError("conflict", ONE_LOCATION);
      }),
    receiveTransfer: ({ shopId, transferId }) =>
      answer(() => {
        throw new InventoryError("not_found", `Shop ${parseShopId(shopId)} has no transfer ${transferId}.`);
      }),
    listTransfers: (shopId) =>
      answer(() => {
        parseShopId(shopId);
        return [];
      }),
    reconcile: async (options = {}) => {
      const report = await holds.reconcile({
        ...(options.shopId === undefined ? {} : { shopId: options.shopId }),
        repair: false,
      });
      return {
        checked: report.checked,
        drift: report.drift.map((row) => ({
          shopId: row.shopId,
          sku: row.sku,
          variantKey: row.variantKey,
          location: DEFAULT_LOCATION,
          field: "reserved" as const,
          actual: row.reserved,
          expected: row.expected,
        })),
      };
    },
  };
}
