import { getDatabase } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { createPrismaReturnStore } from "./prisma-return-store.ts";
import type { ReturnStore } from "./types.ts";

const globalForReturns = globalThis as unknown as { __acmeReturnStore?: ReturnStore | null };

/**
 * Paid checkouts and returns are kept in PostgreSQL; the JSON backend (one
 * machine, development) keeps none: null, and refunds change no stock there.
 */
export function findReturnStore(): ReturnStore | null {
  if (globalForReturns.__acmeReturnStore === undefined)
    globalForReturns.__acmeReturnStore =
      getEnv().INVENTORY_BACKEND === "json" ? null : createPrismaReturnStore(getDatabase());
  return globalForReturns.__acmeReturnStore;
}

/** The return store, or `conflict` on the JSON backend. */
export function getReturnStore(): ReturnStore {
  const store = findReturnStore();
  if (!store) throw new InventoryError("conflict", "Returns are kept only by the PostgreSQL backend.");
  return store;
}

export function setReturnStore(store: ReturnStore | null | undefined): void {
  globalForReturns.__acmeReturnStore = store;
}
