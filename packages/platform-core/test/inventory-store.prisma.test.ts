import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { describeHoldStoreContract } from "./contract/hold-store.contract.ts";
import { describeInventoryStoreContract } from "./contract/inventory-store.contract.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

async function prismaHarness() {
  const database: TestDatabase = await createTestDatabase({ poolSize: 20 });
  return {
    stock: createPrismaInventoryStore(database),
    holds: createPrismaHoldStore(database),
    async reset() {
      await database.pool.query(
        `TRUNCATE "InventoryItem", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "StockAlertState", "ProcessedWebhookEvent" RESTART IDENTITY`,
      );
    },
    destroy: () => database.destroy(),
    async corruptReserved(shopId: string, ref: { sku: string; variantKey: string }, reserved: number) {
      await database.pool.query(`UPDATE "InventoryItem" SET reserved = $4 WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = $3`, [
        shopId,
        ref.sku,
        ref.variantKey,
        reserved,
      ]);
    },
  };
}

describeInventoryStoreContract("prisma (PostgreSQL)", async () => {
  const harness = await prismaHarness();
  return { ...harness, store: harness.stock };
});

describeHoldStoreContract("prisma (PostgreSQL)", prismaHarness);
