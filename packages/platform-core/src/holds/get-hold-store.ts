import path from "node:path";
import { getDatabase } from "../db/prisma-client.ts";
import { getEnv, type Env } from "../env.ts";
import { assertJsonBackendAllowed } from "../inventory/json-inventory-store.ts";
import { createJsonHoldStore } from "./json-hold-store.ts";
import { createPrismaHoldStore } from "./prisma-hold-store.ts";
import type { HoldStore } from "./types.ts";

/** The hold store of the backend `INVENTORY_BACKEND` names (the same one the stock store uses). */
export function createHoldStoreFromEnv(env: Env = getEnv()): HoldStore {
  if (env.INVENTORY_BACKEND === "json") {
    assertJsonBackendAllowed(env);
    return createJsonHoldStore({ dataDir: path.resolve(env.INVENTORY_DATA_DIR) });
  }
  return createPrismaHoldStore(getDatabase());
}

const globalForHolds = globalThis as unknown as { __acmeHoldStore?: HoldStore };

export function getHoldStore(): HoldStore {
  globalForHolds.__acmeHoldStore ??= createHoldStoreFromEnv();
  return globalForHolds.__acmeHoldStore;
}

export function setHoldStore(store: HoldStore | undefined): void {
  globalForHolds.__acmeHoldStore = store;
}
