import type { Database } from "../db/prisma-client.ts";
import { isInventoryError } from "../errors/inventory-error.ts";
import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { createOperator } from "../operators/index.ts";
import { DEMO_OPERATOR, DEMO_SHOPS, type DemoShop } from "./demo-stock.ts";

export interface SeedDemoOptions {
  store?: InventoryStore;
  /** Where the operator is created (default: the process-wide database). */
  database?: Database;
  shops?: readonly DemoShop[];
  /**
   * The demo operator's password when it is created. Default: the published
   * demo password, right only for the demo's own embedded database.
   */
  operatorPassword?: string;
  log?: (message: string) => void;
}

export interface SeedDemoResult {
  /** Shops that were empty and got the demo stock. */
  seededShops: string[];
  /** Shops that already had stock and were left alone. */
  keptShops: string[];
  operatorCreated: boolean;
}

/**
 * Seeds the demo: stock for each demo shop and the demo operator. Idempotent
 * and never destructive: a shop that already has any stock is left exactly as
 * it is (the demo's data survives restarts, sales included), and an existing
 * operator is kept.
 */
export async function seedDemo(options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const store = options.store ?? getInventoryStore();
  const log = options.log ?? (() => {});
  const result: SeedDemoResult = { seededShops: [], keptShops: [], operatorCreated: false };
  const shops = options.shops ?? DEMO_SHOPS;
  for (const shop of shops) {
    const existing = await store.listItems(shop.shopId);
    if (existing.length > 0) {
      result.keptShops.push(shop.shopId);
      continue;
    }
    await store.upsertItems(shop.shopId, shop.items, { reason: "import", actor: "demo-seed", note: "demo catalogue" });
    result.seededShops.push(shop.shopId);
    log(`seeded ${shop.items.length} variants for ${shop.shopId}`);
  }
  try {
    await createOperator({
      email: DEMO_OPERATOR.email,
      password: options.operatorPassword ?? DEMO_OPERATOR.password,
      role: DEMO_OPERATOR.role,
      shops: shops.map((shop) => shop.shopId),
      ...(options.database ? { database: options.database } : {}),
    });
    result.operatorCreated = true;
    log(`created operator ${DEMO_OPERATOR.email}`);
  } catch (error) {
    // Already there from an earlier run: keep it (its password may have been changed on purpose).
    if (!isInventoryError(error, "conflict")) throw error;
  }
  return result;
}
