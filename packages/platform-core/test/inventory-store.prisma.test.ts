import { describe, expect, it } from "vitest";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { identifyHoldClient } from "../src/holds/hold-client.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { setShopHoldPolicy } from "../src/holds/shop-hold-policy.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import { describeHoldCapsContract } from "./contract/hold-caps.contract.ts";
import { describeHoldStoreContract } from "./contract/hold-store.contract.ts";
import { describeInventoryStoreContract } from "./contract/inventory-store.contract.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

async function prismaHarness() {
  const database: TestDatabase = await createTestDatabase({ poolSize: 20 });
  return {
    stock: createPrismaInventoryStore(database),
    holds: createPrismaHoldStore(database),
    locations: createPrismaLocationStore(database),
    async reset() {
      await database.pool.query(
        `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "StockAlertState", "ProcessedWebhookEvent", "ShopHoldPolicy" RESTART IDENTITY`,
      );
    },
    destroy: () => database.destroy(),
    async corruptReserved(shopId: string, ref: { sku: string; variantKey: string }, reserved: number) {
      await database.pool.query(
        `UPDATE "InventoryItem" SET reserved = $4 WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = $3`,
        [shopId, ref.sku, ref.variantKey, reserved],
      );
    },
  };
}

describeInventoryStoreContract("prisma (PostgreSQL)", async () => {
  const harness = await prismaHarness();
  return { ...harness, store: harness.stock };
});

describeHoldStoreContract("prisma (PostgreSQL)", prismaHarness);
describeHoldCapsContract("prisma (PostgreSQL)", prismaHarness);

describe("caps across transactions on PostgreSQL", () => {
  it("holds a client's cap when every request is its own transaction (the per-client lock, not the batch, keeps count)", async () => {
    const database: TestDatabase = await createTestDatabase({ poolSize: 12 });
    try {
      const stock = createPrismaInventoryStore(database);
      const unbatched = createPrismaHoldStore(database, { batching: false });
      await stock.upsertItems(
        "caps",
        ["A", "B", "C", "D"].map((sku) => ({ sku, productId: sku.toLowerCase(), quantity: 100 })),
        { reason: "import", actor: "t" },
      );
      await setShopHoldPolicy({
        shopId: "caps",
        policy: { maxActiveHoldsPerClient: 4, maxHeldUnitsPerClient: 100, unopenedHoldSeconds: 300 },
        actor: "t",
        store: unbatched,
      });
      const bot = identifyHoldClient({ address: "203.0.113.7", secret: "x".repeat(32) });
      // Every connection open first, so the requests really run at once.
      await Promise.all(Array.from({ length: 12 }, () => database.pool.query("SELECT pg_sleep(0.05)")));
      const now = new Date();
      // Disjoint variants, so no stock row lock orders them: only the client's lock can.
      const results = await Promise.allSettled(
        Array.from({ length: 160 }, (_, i) =>
          createInventoryHold({
            shopId: "caps",
            requests: [{ sku: "ABCD"[i % 4]!, quantity: 1 }],
            ttlSeconds: 600,
            now,
            client: bot,
            store: unbatched,
          }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
      const { rows } = await database.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "InventoryHold" WHERE "shopId" = 'caps' AND status = 'active'`,
      );
      expect(rows[0]!.n).toBe(4);
    } finally {
      await database.destroy();
    }
  });
});

describe("hold batching on PostgreSQL", () => {
  it("grants concurrent requests in shared transactions, first come first served, each caller its own answer", async () => {
    const database: TestDatabase = await createTestDatabase({ poolSize: 8 });
    try {
      const stock = createPrismaInventoryStore(database);
      const batched = createPrismaHoldStore(database, { batching: { maxBatch: 64 } });
      await stock.upsertItems(
        "batch",
        [
          { sku: "HOT", productId: "hot", quantity: 150 },
          { sku: "COLD", productId: "cold", quantity: 1000 },
        ],
        {
          reason: "import",
          actor: "t",
        },
      );
      const now = new Date();
      const results = await Promise.allSettled(
        Array.from({ length: 300 }, (_, i) =>
          createInventoryHold({
            shopId: "batch",
            requests:
              i % 10 === 0
                ? [
                    { sku: "HOT", quantity: 1 },
                    { sku: "COLD", quantity: 2 },
                  ]
                : [{ sku: "HOT", quantity: 1 }],
            ttlSeconds: 600,
            now,
            store: batched,
          }),
        ),
      );
      const granted = results.filter((r) => r.status === "fulfilled") as Array<
        PromiseFulfilledResult<{ holdId: string }>
      >;
      expect(granted).toHaveLength(150);
      expect(new Set(granted.map((r) => r.value.holdId)).size).toBe(150);
      for (const r of results)
        if (r.status === "rejected") expect((r.reason as { code: string }).code).toBe("inventory_insufficient");
      const stats = batched.batchStats();
      expect(stats.requests).toBe(300);
      expect(stats.transactions).toBeLessThan(300);
      expect(stats.largestBatch).toBeGreaterThan(1);
      const hot = await stock.getItem("batch", { sku: "HOT", variantKey: "" });
      expect(hot).toMatchObject({ quantity: 150, reserved: 150 });
      const holdsOfBatch = await batched.listHolds({ shopId: "batch", now, limit: 1000 });
      const coldHeld = holdsOfBatch
        .flatMap((h) => h.items)
        .filter((i) => i.sku === "COLD")
        .reduce((a, i) => a + i.quantity, 0);
      expect(await stock.getItem("batch", { sku: "COLD", variantKey: "" })).toMatchObject({ reserved: coldHeld });
      expect((await reconcileInventoryReserved({ store: batched })).drift).toEqual([]);
    } finally {
      await database.destroy();
    }
  });
});

describe("hold batching and expired holds", () => {
  it("expires lapsed holds inside the batch before deciding, so requests are served first come first served", async () => {
    const database: TestDatabase = await createTestDatabase({ poolSize: 8 });
    try {
      const stock = createPrismaInventoryStore(database);
      const batched = createPrismaHoldStore(database);
      await stock.upsertItems(
        "fcfs",
        [
          { sku: "A", productId: "a", quantity: 5 },
          { sku: "B", productId: "b", quantity: 5 },
        ],
        {
          reason: "import",
          actor: "t",
        },
      );
      const t0 = new Date();
      await createInventoryHold({
        shopId: "fcfs",
        requests: [{ sku: "A", quantity: 3 }],
        ttlSeconds: 60,
        now: t0,
        store: batched,
      });
      const later = new Date(t0.getTime() + 61_000);
      const hold = (sku: string, quantity: number) =>
        createInventoryHold({
          shopId: "fcfs",
          requests: [{ sku, quantity }],
          ttlSeconds: 600,
          now: later,
          store: batched,
        });
      // A request on another variant occupies the queue so the next two share one batch.
      const [, first, second] = await Promise.allSettled([hold("B", 1), hold("A", 5), hold("A", 2)]);
      expect(first.status).toBe("fulfilled");
      expect(second.status).toBe("rejected");
      expect(await stock.getItem("fcfs", { sku: "A", variantKey: "" })).toMatchObject({ quantity: 5, reserved: 5 });
      expect((await reconcileInventoryReserved({ store: batched })).drift).toEqual([]);
    } finally {
      await database.destroy();
    }
  });
});

describe("settlement batching on PostgreSQL", () => {
  it("commits many paid holds at once with exact ledger running quantities, mixed with releases and repeats", async () => {
    const database: TestDatabase = await createTestDatabase({ poolSize: 8 });
    try {
      const stock = createPrismaInventoryStore(database);
      const holds = createPrismaHoldStore(database);
      await stock.upsertItems("settle", [{ sku: "HOT", productId: "hot", quantity: 100 }], {
        reason: "import",
        actor: "t",
      });
      const now = new Date();
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        ids.push(
          (
            await createInventoryHold({
              shopId: "settle",
              requests: [{ sku: "HOT", quantity: 1 }],
              ttlSeconds: 600,
              now,
              store: holds,
            })
          ).holdId,
        );
      }
      const commits = ids.slice(0, 50);
      const releases = ids.slice(50);
      const results = await Promise.all([
        ...commits.map((holdId, i) =>
          holds.commitPaidHold({
            shopId: "settle",
            holdId,
            actor: "stripe",
            now,
            event: { id: `evt_${i}`, type: "checkout.session.completed" },
          }),
        ),
        ...commits
          .slice(0, 5)
          .map((holdId) => holds.commitPaidHold({ shopId: "settle", holdId, actor: "stripe", now })),
        ...releases.map((holdId) => holds.releaseHold({ shopId: "settle", holdId, now })),
      ]);
      expect(
        results
          .slice(0, 50)
          .every((r) => "outcome" in r && (r.outcome === "committed" || r.outcome === "already_committed")),
      ).toBe(true);
      expect(await stock.getItem("settle", { sku: "HOT", variantKey: "" })).toMatchObject({
        quantity: 50,
        reserved: 0,
      });
      const ledger = await stock.listLedger("settle", { sku: "HOT", variantKey: "", limit: 1000 });
      const sales = ledger.filter((e) => e.reason === "sale");
      expect(sales).toHaveLength(50);
      // Newest first: each sale leaves exactly one unit fewer than the one before it.
      expect(sales.map((e) => e.quantityAfter)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
      expect(ledger.reduce((sum, e) => sum + e.delta, 0)).toBe(50);
      const events = await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ProcessedWebhookEvent"`);
      expect(events.rows[0]!.n).toBe(50);
      expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
    } finally {
      await database.destroy();
    }
  });
});
