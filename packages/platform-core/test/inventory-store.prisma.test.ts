import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { describeInventoryStoreContract } from "./contract/inventory-store.contract.ts";
import { createTestDatabase } from "./support/test-database.ts";

describeInventoryStoreContract("prisma (PostgreSQL)", async () => {
  const database = await createTestDatabase();
  const store = createPrismaInventoryStore(database);
  return {
    store,
    async reset() {
      await database.pool.query(
        `TRUNCATE "InventoryItem", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "StockAlertState", "ProcessedWebhookEvent" RESTART IDENTITY`,
      );
    },
    destroy: () => database.destroy(),
  };
});
