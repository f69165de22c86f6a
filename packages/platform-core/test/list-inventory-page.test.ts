import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createJsonHoldStore } from "../src/holds/json-hold-store.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import type { HoldStore } from "../src/holds/types.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createJsonInventoryStore } from "../src/inventory/json-inventory-store.ts";
import { listInventoryPage, type InventoryPageQuery } from "../src/inventory/list-inventory-page.ts";
import { listRecentStockAlerts } from "../src/inventory/list-recent-stock-alerts.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { isInventoryError } from "../src/errors/inventory-error.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SHOP = "grid-shop";

interface Harness {
  store: InventoryStore;
  holds: HoldStore;
  database?: TestDatabase;
  destroy(): Promise<void>;
}

async function seed(store: InventoryStore, holds: HoldStore): Promise<void> {
  await store.upsertItems(
    SHOP,
    [
      {
        sku: "TEE-1",
        productId: "tee",
        variantAttributes: { size: "S" },
        quantity: 10,
        lowStockThreshold: 3,
        purchaseLimit: 5,
      },
      {
        sku: "TEE-1",
        productId: "tee",
        variantAttributes: { size: "M" },
        quantity: 2,
        lowStockThreshold: 3,
        purchaseLimit: 2,
      },
      { sku: "TEE-1", productId: "tee", variantAttributes: { size: "L" }, quantity: 0, lowStockThreshold: 3 },
      { sku: "MUG_50%", productId: "mug", quantity: 5 },
      { sku: "CAP-9", productId: "cap", quantity: 4, lowStockThreshold: 1 },
    ],
    { reason: "import", actor: "test" },
  );
  // 4 of the cap's 4 units held: nothing available, so it counts as out of stock.
  await createInventoryHold({ shopId: SHOP, requests: [{ sku: "CAP-9", quantity: 4 }], store: holds });
  // Other shops never leak in.
  await store.upsertItems("other-shop", [{ sku: "TEE-1", productId: "tee", quantity: 0 }], {
    reason: "import",
    actor: "test",
  });
}

const keys = (items: Array<{ sku: string; variantKey: string }>) =>
  items.map((item) => `${item.sku}/${item.variantKey}`);

function describeGrid(name: string, makeHarness: () => Promise<Harness>) {
  describe(`listInventoryPage (${name})`, () => {
    let harness: Harness;
    const page = (query: InventoryPageQuery = {}) =>
      listInventoryPage({
        shopId: SHOP,
        query,
        store: harness.store,
        ...(harness.database ? { database: harness.database } : {}),
      });

    beforeAll(async () => {
      harness = await makeHarness();
      await seed(harness.store, harness.holds);
    });
    afterAll(async () => harness.destroy());

    it("sorts by sku, then size as people order them (S M L), then variant key, with counts per stock state", async () => {
      const result = await page();
      expect(keys(result.items)).toEqual(["CAP-9/", "MUG_50%/", "TEE-1/size=s", "TEE-1/size=m", "TEE-1/size=l"]);
      expect(result.total).toBe(5);
      expect(result.counts).toEqual({ all: 5, low: 1, out: 2, attention: 3 });
      const cap = result.items[0]!;
      expect(cap).toMatchObject({
        quantity: 4,
        reserved: 4,
        available: 0,
        lowStockThreshold: 1,
        version: expect.any(Number) as unknown,
      });
    });

    it("filters by stock state", async () => {
      expect(keys((await page({ filter: "out" })).items)).toEqual(["CAP-9/", "TEE-1/size=l"]);
      expect(keys((await page({ filter: "low" })).items)).toEqual(["TEE-1/size=m"]);
      const attention = await page({ filter: "attention" });
      expect(attention.total).toBe(3);
    });

    it("sorts by a numeric column in either direction, ties by key, missing thresholds last", async () => {
      expect(keys((await page({ sort: "available", direction: "desc" })).items)).toEqual([
        "TEE-1/size=s",
        "MUG_50%/",
        "TEE-1/size=m",
        "CAP-9/",
        "TEE-1/size=l",
      ]);
      expect(keys((await page({ sort: "quantity" })).items)).toEqual([
        "TEE-1/size=l",
        "TEE-1/size=m",
        "CAP-9/",
        "MUG_50%/",
        "TEE-1/size=s",
      ]);
      const byThreshold = await page({ sort: "lowStockThreshold", direction: "desc" });
      expect(keys(byThreshold.items).at(-1)).toBe("MUG_50%/");
      expect(keys((await page({ sort: "lowStockThreshold" })).items).at(-1)).toBe("MUG_50%/");
      // Variants without a purchase limit last either way, ties by key.
      const byLimit = await page({ sort: "purchaseLimit" });
      expect(keys(byLimit.items)).toEqual(["TEE-1/size=m", "TEE-1/size=s", "CAP-9/", "MUG_50%/", "TEE-1/size=l"]);
      expect(byLimit.items.map((item) => item.purchaseLimit)).toEqual([2, 5, null, null, null]);
      expect(keys((await page({ sort: "purchaseLimit", direction: "desc" })).items).slice(0, 2)).toEqual([
        "TEE-1/size=s",
        "TEE-1/size=m",
      ]);
    });

    it("searches sku, product id and variant case-insensitively, LIKE wildcards literal", async () => {
      expect(keys((await page({ search: "tee-1" })).items)).toHaveLength(3);
      expect(keys((await page({ search: "SIZE=M" })).items)).toEqual(["TEE-1/size=m"]);
      expect(keys((await page({ search: "mug" })).items)).toEqual(["MUG_50%/"]);
      expect(keys((await page({ search: "_50%" })).items)).toEqual(["MUG_50%/"]);
      expect((await page({ search: "%" })).items).toHaveLength(1);
      const searched = await page({ search: "tee", filter: "out" });
      expect(keys(searched.items)).toEqual(["TEE-1/size=l"]);
      expect(searched.counts).toEqual({ all: 3, low: 1, out: 1, attention: 2 });
    });

    it("pages without overlap", async () => {
      const first = await page({ limit: 2 });
      const second = await page({ limit: 2, offset: 2 });
      const third = await page({ limit: 2, offset: 4 });
      expect([...keys(first.items), ...keys(second.items), ...keys(third.items)]).toEqual(keys((await page()).items));
      expect(third.total).toBe(5);
    });

    it("refuses a bad query with field errors", async () => {
      const error = await page({ sort: "price" as never, limit: 0 }).catch((caught: unknown) => caught);
      expect(isInventoryError(error, "validation_failed")).toBe(true);
      const fields = (error as { details: { errors: Array<{ field: string }> } }).details.errors
        .map((e) => e.field)
        .sort();
      expect(fields).toEqual(["limit", "sort"]);
    });
  });
}

describeGrid("prisma", async () => {
  const database = await createTestDatabase();
  return {
    store: createPrismaInventoryStore(database),
    holds: createPrismaHoldStore(database),
    database,
    destroy: () => database.destroy(),
  };
});

describeGrid("json", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "grid-"));
  const store = createJsonInventoryStore({ dataDir });
  return {
    store,
    holds: createJsonHoldStore({ dataDir }),
    destroy: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describe("listRecentStockAlerts", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.destroy());

  it("lists a shop's recent alerts newest first with current stock, leaving out old ones and other shops", async () => {
    const store = createPrismaInventoryStore(database);
    await store.upsertItems(SHOP, [{ sku: "A", productId: "a", quantity: 2, lowStockThreshold: 5, purchaseLimit: 2 }], {
      reason: "import",
      actor: "t",
    });
    const now = new Date("2026-11-24T12:00:00Z");
    const insert = (shopId: string, sku: string, at: string, available: number) =>
      database.pool.query(
        `INSERT INTO "StockAlertState" ("shopId", sku, "variantKey", "lastAlertedAt", "lastAvailable", "updatedAt") VALUES ($1, $2, '', $3, $4, now())`,
        [shopId, sku, at, available],
      );
    await insert(SHOP, "A", "2026-11-24T10:00:00Z", 2);
    await insert(SHOP, "GONE", "2026-11-24T11:00:00Z", 0);
    await insert(SHOP, "OLD", "2026-11-01T11:00:00Z", 1);
    await insert("other-shop", "A", "2026-11-24T11:30:00Z", 1);

    const alerts = await listRecentStockAlerts({ shopId: SHOP, now, database });
    expect(alerts.map((alert) => alert.sku)).toEqual(["GONE", "A"]);
    expect(alerts[0]).toMatchObject({ lastAvailable: 0, item: null });
    expect(alerts[1]!.lastAlertedAt.toISOString()).toBe("2026-11-24T10:00:00.000Z");
    expect(alerts[1]!.item).toMatchObject({
      sku: "A",
      quantity: 2,
      reserved: 0,
      available: 2,
      lowStockThreshold: 5,
      purchaseLimit: 2,
    });
    expect(alerts[1]!.item!.updatedAt).toBeInstanceOf(Date);
  });
});
