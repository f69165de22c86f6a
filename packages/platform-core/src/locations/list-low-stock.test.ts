import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { createInventoryHold } from "../holds/create-inventory-hold.ts";
import { createJsonHoldStore } from "../holds/json-hold-store.ts";
import { createPrismaHoldStore } from "../holds/prisma-hold-store.ts";
import { createJsonInventoryStore } from "../inventory/json-inventory-store.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { createPrismaInventoryStore } from "../inventory/prisma-inventory-store.ts";
import { createJsonLocationStore } from "./json-location-store.ts";
import { listLowStock } from "./list-low-stock.ts";
import { createPrismaLocationStore } from "./prisma-location-store.ts";
import type { LocationStore } from "./types.ts";

const SHOP = "low-stock";
const actor = { reason: "import" as const, actor: "test" };

async function failure(promise: Promise<unknown>): Promise<InventoryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof InventoryError)) throw new Error(`expected an InventoryError, got ${String(error)}`);
  return error;
}

describe("listLowStock on PostgreSQL, a shop with three locations", () => {
  let db: TestDatabase;
  let store: InventoryStore;
  let locations: LocationStore;
  const low = (location?: string) =>
    listLowStock({ shopId: SHOP, store, locations, ...(location === undefined ? {} : { location }) });

  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 4 });
    store = createPrismaInventoryStore(db);
    locations = createPrismaLocationStore(db);
    // main (priority 100) and soho (priority 10, so listed first) count online; reserve does not.
    await locations.createLocation({
      shopId: SHOP,
      code: "soho",
      name: "Soho",
      kind: "store",
      priority: 10,
      actor: "t",
    });
    await locations.createLocation({
      shopId: SHOP,
      code: "reserve",
      name: "Reserve",
      fulfilsOnline: false,
      actor: "t",
    });
    await store.upsertItems(
      SHOP,
      [
        {
          sku: "TEE",
          productId: "tee",
          productTitle: "Tee",
          variantAttributes: { size: "M" },
          quantity: 3,
          lowStockThreshold: 5,
        },
        { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 1, location: "soho" },
        { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 20, location: "reserve" },
        { sku: "MUG", productId: "mug", quantity: 10, lowStockThreshold: 2 },
        { sku: "MUG", productId: "mug", quantity: 2, location: "soho" },
        { sku: "CAP", productId: "cap", quantity: 0 },
        { sku: "HAT", productId: "hat", quantity: 2, lowStockThreshold: 0 },
        { sku: "BAG", productId: "bag", quantity: 5, lowStockThreshold: 1, location: "reserve" },
      ],
      actor,
    );
    // Held units are not free: HAT has none left at main, or anywhere online.
    await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "HAT", quantity: 2 }],
      store: createPrismaHoldStore(db),
    });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it("lists the shop's variants at or below their threshold online, fewest free first, each with what every location has free", async () => {
    expect(await low()).toEqual([
      {
        sku: "BAG",
        variantKey: "",
        productId: "bag",
        productTitle: "",
        variantTitle: "",
        variantAttributes: {},
        lowStockThreshold: 1,
        available: 0,
        // Its only stock is at a location that does not sell online.
        locations: [{ location: "reserve", available: 5, online: false }],
      },
      expect.objectContaining({
        sku: "HAT",
        available: 0,
        lowStockThreshold: 0,
        locations: [{ location: "main", available: 0, online: true }],
      }),
      expect.objectContaining({
        sku: "TEE",
        variantKey: "size=m",
        productTitle: "Tee",
        available: 4,
        lowStockThreshold: 5,
        locations: [
          { location: "soho", available: 1, online: true },
          { location: "main", available: 3, online: true },
          { location: "reserve", available: 20, online: false },
        ],
      }),
    ]);
  });

  it("lists, for one location, the variants kept there whose units free there are at or below the threshold", async () => {
    const summary = async (location: string) =>
      (await low(location)).map((row) => [row.sku, row.available, row.lowStockThreshold, "locations" in row]);
    expect(await summary("main")).toEqual([
      ["HAT", 0, 0, false],
      ["TEE", 3, 5, false],
    ]);
    // MUG is plentiful in the shop (12 online) but low at soho.
    expect(await summary("soho")).toEqual([
      ["TEE", 1, 5, false],
      ["MUG", 2, 2, false],
    ]);
    // BAG is low in the shop but not at reserve; TEE has plenty there.
    expect(await summary("reserve")).toEqual([]);
  });

  it("refuses a location the shop does not have (not_found) and a code that is not one (validation_failed)", async () => {
    expect((await failure(low("dock"))).code).toBe("not_found");
    const bad = await failure(low("Soho"));
    expect(bad.code).toBe("validation_failed");
    expect(bad.details.errors).toEqual([expect.objectContaining({ field: "location" })]);
  });
});

describe("listLowStock on the JSON backend (one location, main)", () => {
  let dataDir: string;
  let store: InventoryStore;
  let locations: LocationStore;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "acme-low-stock-"));
    store = createJsonInventoryStore({ dataDir });
    locations = createJsonLocationStore(store, createJsonHoldStore({ dataDir }));
    await store.upsertItems(
      SHOP,
      [
        { sku: "TEE", productId: "tee", quantity: 4, lowStockThreshold: 5 },
        { sku: "MUG", productId: "mug", quantity: 10, lowStockThreshold: 2 },
        { sku: "CAP", productId: "cap", quantity: 0 },
      ],
      actor,
    );
  });
  afterAll(async () => {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("lists the same variants for the shop and for main, and knows no other location", async () => {
    const shop = await listLowStock({ shopId: SHOP, store, locations });
    expect(shop).toEqual([
      expect.objectContaining({
        sku: "TEE",
        available: 4,
        lowStockThreshold: 5,
        locations: [{ location: "main", available: 4, online: true }],
      }),
    ]);
    const main = await listLowStock({ shopId: SHOP, location: "main", store, locations });
    expect(main.map((row) => [row.sku, row.available, row.locations])).toEqual([["TEE", 4, undefined]]);
    expect((await failure(listLowStock({ shopId: SHOP, location: "soho", store, locations }))).code).toBe("not_found");
  });
});
