import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { createInventoryHold } from "../holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../holds/prisma-hold-store.ts";
import type { HoldStore } from "../holds/types.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { createPrismaInventoryStore } from "../inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../locations/prisma-location-store.ts";
import type { LocationStore } from "../locations/types.ts";
import { exportStock } from "./export-stock.ts";
import { importStock } from "./import-stock.ts";
import type { StockFileFormat } from "./stock-file-format.ts";

// Stock files for a shop with several locations, on PostgreSQL: the location column, what a file without one
// means, unknown locations, held units per location, and exports that re-import unchanged.

const SHOP = "files-loc";
const actor = { reason: "import" as const, actor: "test" };

let db: TestDatabase;
let stock: InventoryStore;
let holds: HoldStore;
let locations: LocationStore;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  stock = createPrismaInventoryStore(db);
  holds = createPrismaHoldStore(db);
  locations = createPrismaLocationStore(db);
});
afterAll(async () => {
  await db?.destroy();
});

/** main and soho count online; reserve (a warehouse that does not fulfil online orders) does not. */
beforeEach(async () => {
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold" RESTART IDENTITY`,
  );
  await locations.createLocation({ shopId: SHOP, code: "soho", name: "Soho store", kind: "store", actor: "test" });
  await locations.createLocation({
    shopId: SHOP,
    code: "reserve",
    name: "Reserve",
    fulfilsOnline: false,
    actor: "test",
  });
  await stock.upsertItems(
    SHOP,
    [
      {
        sku: "TEE",
        productId: "tee",
        productTitle: "Tee",
        variantAttributes: { size: "M" },
        quantity: 5,
        lowStockThreshold: 2,
      },
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 3, location: "soho" },
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 10, location: "reserve" },
      { sku: "MUG", productId: "mug", quantity: 4, purchaseLimit: 2 },
    ],
    actor,
  );
});

/** Every level and item of the shop and the ledger: equal snapshots mean nothing changed. */
async function books() {
  const levels = await locations.listLevels(SHOP);
  return {
    levels: levels.map(({ sku, variantKey, location, quantity, reserved }) => ({
      sku,
      variantKey,
      location,
      quantity,
      reserved,
    })),
    items: await stock.listItems(SHOP),
    ledger: await stock.listLedger(SHOP, { limit: 1000 }),
  };
}

async function failure(promise: Promise<unknown>): Promise<InventoryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof InventoryError)) throw new Error(`expected an InventoryError, got ${String(error)}`);
  return error;
}

const run = (content: string, format: StockFileFormat, dryRun = false) =>
  importStock({ store: stock, locations, shopId: SHOP, content, format, actor: "ops", dryRun });

describe("stock files at several locations", () => {
  it.each<StockFileFormat>(["csv", "json"])(
    "exports one row per variant and location, sorted, and the export re-imports unchanged (%s)",
    async (format) => {
      const before = await books();
      const { content } = await exportStock({ store: stock, locations, shopId: SHOP, format });
      if (format === "csv") {
        expect(content.split("\n").slice(0, 5)).toEqual([
          "\uFEFFsku,productId,productTitle,variantTitle,location,quantity,lowStockThreshold,purchaseLimit,variant.size",
          "MUG,mug,,,main,4,,2,",
          "TEE,tee,Tee,,main,5,2,,M",
          "TEE,tee,Tee,,reserve,10,2,,M",
          "TEE,tee,Tee,,soho,3,2,,M",
        ]);
      } else {
        const items = (JSON.parse(content) as { items: Array<{ sku: string; location: string; quantity: number }> })
          .items;
        expect(items.map((entry) => [entry.sku, entry.location, entry.quantity])).toEqual([
          ["MUG", "main", 4],
          ["TEE", "main", 5],
          ["TEE", "reserve", 10],
          ["TEE", "soho", 3],
        ]);
      }
      expect(await run(content, format, true)).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
      expect(await run(content, format)).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
      expect(await books()).toEqual(before);
    },
  );

  it("sets each row's quantity at its location: the online total moves with main and soho, not with reserve", async () => {
    const csv = [
      "sku,productId,location,quantity,variant.size",
      "TEE,tee,soho,7,M",
      "TEE,tee,reserve,1,M",
      "TEE,tee,,6,M",
      "NEW,new,soho,2,",
      "NEW,new,reserve,9,",
    ].join("\n");
    const preview = await run(csv, "csv", true);
    expect(preview).toMatchObject({ created: 1, updated: 4, unchanged: 0 });
    expect(
      preview.changes.map((change) => [
        change.line,
        change.location,
        change.action,
        change.before?.quantity,
        change.after.quantity,
      ]),
    ).toEqual([
      [2, "soho", "update", 3, 7],
      [3, "reserve", "update", 10, 1],
      [4, "main", "update", 5, 6],
      [5, "soho", "create", undefined, 2],
      [6, "reserve", "update", 0, 9],
    ]);
    const applied = await run(csv, "csv");
    expect(applied).toMatchObject({ created: 1, updated: 4, unchanged: 0 });
    const levels = await locations.listLevels(SHOP, {
      refs: [
        { sku: "TEE", variantKey: "size=m" },
        { sku: "NEW", variantKey: "" },
      ],
    });
    expect(levels.map((level) => [level.sku, level.location, level.quantity])).toEqual([
      ["NEW", "reserve", 9],
      ["NEW", "soho", 2],
      ["TEE", "main", 6],
      ["TEE", "reserve", 1],
      ["TEE", "soho", 7],
    ]);
    expect(await stock.getItem(SHOP, { sku: "TEE", variantKey: "size=m" })).toMatchObject({ quantity: 13 });
    expect(await stock.getItem(SHOP, { sku: "NEW", variantKey: "" })).toMatchObject({ quantity: 2 });
    const ledger = await stock.listLedger(SHOP, { sku: "TEE", variantKey: "size=m", limit: 3 });
    expect(ledger.map((entry) => [entry.location, entry.delta, entry.quantityAfter, entry.reason])).toEqual(
      expect.arrayContaining([
        ["soho", 4, 7, "import"],
        ["reserve", -9, 1, "import"],
        ["main", 1, 6, "import"],
      ]),
    );
  });

  it("reads a file without a location column as the default location: only main changes", async () => {
    const result = await run("sku,productId,quantity,variant.size\nTEE,tee,8,M\nMUG,mug,4,\n", "csv");
    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect(result.changes.map((change) => [change.location, change.before?.quantity, change.after.quantity])).toEqual([
      ["main", 5, 8],
      ["main", 4, 4],
    ]);
    const tee = await locations.listLevels(SHOP, { refs: [{ sku: "TEE", variantKey: "size=m" }] });
    expect(tee.map((level) => [level.location, level.quantity])).toEqual([
      ["main", 8],
      ["reserve", 10],
      ["soho", 3],
    ]);
  });

  it("refuses a location the shop does not have by line and field, dry run or not, and changes nothing", async () => {
    const before = await books();
    const csv = ["sku,productId,location,quantity", "MUG,mug,main,1", "MUG,mug,dock,2", "NEW,new,attic,1"].join("\n");
    for (const dryRun of [true, false]) {
      const error = await failure(run(csv, "csv", dryRun));
      expect(error.code).toBe("validation_failed");
      const message = `is not a location of shop ${SHOP} (its locations: main, reserve, soho)`;
      expect(error.details.errors).toEqual([
        { line: 3, field: "location", message },
        { line: 4, field: "location", message },
      ]);
      expect(error.details.context).toEqual([
        { sku: "MUG", value: "dock" },
        { sku: "NEW", value: "attic" },
      ]);
    }
    const json = JSON.stringify([
      { sku: "MUG", productId: "mug", quantity: 1 },
      { sku: "MUG", productId: "mug", quantity: 2, location: "dock" },
    ]);
    const error = await failure(run(json, "json"));
    expect((error.details.errors as FieldError[]).map((entry) => [entry.line, entry.field])).toEqual([
      [2, "items.1.location"],
    ]);
    expect(await books()).toEqual(before);
  });

  it("refuses a row below the units held at its own location, naming the line and the location", async () => {
    // Fewest locations first: the hold of 4 lands at main, which has 5.
    await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "TEE", variantKey: "size=m", quantity: 4 }],
      store: holds,
    });
    const before = await books();
    expect(before.levels.find((level) => level.location === "main" && level.sku === "TEE")).toMatchObject({
      reserved: 4,
    });
    const csv = ["sku,productId,location,quantity,variant.size", "TEE,tee,soho,0,M", "TEE,tee,main,3,M"].join("\n");
    for (const dryRun of [true, false]) {
      const error = await failure(run(csv, "csv", dryRun));
      expect(error.code).toBe("conflict");
      expect(error.details.errors).toEqual([
        { line: 3, field: "quantity", message: "3 is below the 4 units held by active checkouts at main" },
      ]);
    }
    expect(await books()).toEqual(before);
    // soho holds nothing: emptying it is fine.
    expect(await run(csv.replace("TEE,tee,main,3,M", "TEE,tee,main,4,M"), "csv")).toMatchObject({ updated: 2 });
  });
});
