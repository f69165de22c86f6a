import { getDatabase } from "../db/prisma-client.ts";
import { getEnv, type Env } from "../env.ts";
import { getHoldStore } from "../holds/get-hold-store.ts";
import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import { createJsonLocationStore } from "./json-location-store.ts";
import { createPrismaLocationStore } from "./prisma-location-store.ts";
import type { LocationStore } from "./types.ts";

/** The location store of the backend `INVENTORY_BACKEND` names. */
export function createLocationStoreFromEnv(env: Env = getEnv()): LocationStore {
  if (env.INVENTORY_BACKEND === "json") return createJsonLocationStore(getInventoryStore(), getHoldStore());
  return createPrismaLocationStore(getDatabase());
}

const globalForLocations = globalThis as unknown as { __acmeLocationStore?: LocationStore };

export function getLocationStore(): LocationStore {
  globalForLocations.__acmeLocationStore ??= createLocationStoreFromEnv();
  return globalForLocations.__acmeLocationStore;
}

export function setLocationStore(store: LocationStore | undefined): void {
  globalForLocations.__acmeLocationStore = store;
}
