import path from "node:path";
import { getDatabase } from "../db/prisma-client.ts";
import { getEnv, type Env } from "../env.ts";
import type { InventoryStore } from "./inventory-store.ts";
import { assertJsonBackendAllowed, createJsonInventoryStore } from "./json-inventory-store.ts";
import { createPrismaInventoryStore } from "./prisma-inventory-store.ts";

/** Builds the store `INVENTORY_BACKEND` names; refuses JSON in production unless forced. */
export function createInventoryStoreFromEnv(env: Env = getEnv()): InventoryStore {
  if (env.INVENTORY_BACKEND === "json") {
    assertJsonBackendAllowed(env);
    return createJsonInventoryStore({ dataDir: path.resolve(env.INVENTORY_DATA_DIR) });
  }
  return createPrismaInventoryStore(getDatabase());
}

const globalForStore = globalThis as unknown as { __acmeInventoryStore?: InventoryStore };

/** The process-wide store, created on first use. */
export function getInventoryStore(): InventoryStore {
  globalForStore.__acmeInventoryStore ??= createInventoryStoreFromEnv();
  return globalForStore.__acmeInventoryStore;
}

/** Replaces the process-wide store (tests, scripts that manage their own connections). */
export function setInventoryStore(store: InventoryStore | undefined): void {
  globalForStore.__acmeInventoryStore = store;
}
