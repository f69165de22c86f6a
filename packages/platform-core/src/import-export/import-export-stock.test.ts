import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { createJsonHoldStore } from "../holds/json-hold-store.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import type { InventoryItem, StockChange, StockItemInput, UpsertItemsResult, VariantRef } from "../inventory/types.ts";
import { createJsonLocationStore } from "../locations/json-location-store.ts";
import type { LocationStore } from "../locations/types.ts";
import type { VariantAttributes } from "../variants/variant-key.ts";
import { exportStock } from "./export-stock.ts";
import { importStock } from "./import-stock.ts";
import { testInventoryItem } from "./test-inventory-item.ts";

// These tests pin what importStock/exportStock do with the store's answers
// (which calls, which arguments, how errors are mapped to lines). Atomicity and
// real persistence are proven by the store contract suite on both backends.

const dataDir = mkdtempSync(join(tmpdir(), "acme-import-export-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const item = (sku: string, attributes: VariantAttributes, fields: Partial<InventoryItem> = {}) =>
  testInventoryItem(sku, attributes, fields);

interface Recorded {
  upserts: Array<{ shopId: string; inputs: StockItemInput[]; change: StockChange }>;
  lookups: VariantRef[][];
}

/**
 * Answers from fixed items; only the methods import and export use. Its locations are the JSON backend's (one, main,
 * holding every item's stock), read from the same items.
 */
function scriptedStore(
  items: InventoryItem[],
  upsert: (inputs: StockItemInput[]) => Promise<UpsertItemsResult> = () =>
    Promise.resolve({ created: 0, updated: 0, unchanged: 0, items: [] }),
): { store: InventoryStore; locations: LocationStore; recorded: Recorded } {
  const recorded: Recorded = { upserts: [], lookups: [] };
  const unused = () => Promise.reject(new Error("not used by import/export"));
  const store: InventoryStore = {
    backend: "json",
    listShops: unused,
    listItems: () => Promise.resolve(items),
    getItem: unused,
    getItems: (_shopId, refs) => {
      recorded.lookups.push(refs);
      return Promise.resolve(
        items.filter((entry) => refs.some((ref) => ref.sku === entry.sku && ref.variantKey === entry.variantKey)),
      );
    },
    upsertItems: (shopId, inputs, change) => {
      recorded.upserts.push({ shopId, inputs, change });
      return upsert(inputs);
    },
    updateItem: unused,
    setQuantity: unused,
    adjustQuantity: unused,
    listLedger: unused,
    close: async () => {},
  };
  // The JSON location store asks its hold store only to reconcile, which import and export never do.
  const locations = createJsonLocationStore(store, createJsonHoldStore({ dataDir }));
  return { store, locations, recorded };
}

async function failure(promise: Promise<unknown>): Promise<InventoryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InventoryError) return error;
    throw error;
  }
  throw new Error("expected an InventoryError");
}

const file = ["sku,productId,quantity,lowStockThreshold,variant.size", "A,p,5,,M", "B,p,1,,", "C,p,9,2,"].join("\n");

describe("importStock", () => {
  it("previews without writing on a dry run", async () => {
    const { store, locations, recorded } = scriptedStore([
      item("A", { size: "M" }, { quantity: 5 }),
      item("B", {}, { quantity: 4 }),
    ]);
    const result = await importStock({
      store,
      locations,
      shopId: "shop",
      content: file,
      format: "csv",
      actor: "ops@example.com",
      dryRun: true,
    });
    expect(result).toMatchObject({ dryRun: true, created: 1, updated: 1, unchanged: 1 });
    expect(result.changes.map((change) => [change.line, change.action])).toEqual([
      [2, "unchanged"],
      [3, "update"],
      [4, "create"],
    ]);
    expect(recorded.upserts).toEqual([]);
  });

  it("applies every row in one upsertItems call with reason import, and reports the store's counts", async () => {
    const { store, locations, recorded } = scriptedStore([], () =>
      Promise.resolve({ created: 3, updated: 0, unchanged: 0, items: [] }),
    );
    const result = await importStock({
      store,
      locations,
      shopId: "shop",
      content: file,
      format: "csv",
      actor: "ops@example.com",
    });
    expect(result).toMatchObject({ dryRun: false, created: 3, updated: 0, unchanged: 0 });
    expect(recorded.upserts).toHaveLength(1);
    expect(recorded.upserts[0]).toEqual({
      shopId: "shop",
      change: { reason: "import", actor: "ops@example.com" },
      inputs: [
        {
          sku: "A",
          productId: "p",
          variantAttributes: { size: "M" },
          location: "main",
          quantity: 5,
          lowStockThreshold: null,
        },
        { sku: "B", productId: "p", variantAttributes: {}, location: "main", quantity: 1, lowStockThreshold: null },
        { sku: "C", productId: "p", variantAttributes: {}, location: "main", quantity: 9, lowStockThreshold: 2 },
      ],
    });
  });

  it("maps the store's conflict indexes to file lines", async () => {
    const { store, locations } = scriptedStore([], () =>
      Promise.reject(
        new InventoryError("conflict", "Some items cannot be changed while their stock is held.", {
          details: {
            errors: [{ index: 2, field: "quantity", message: "9 is below the 10 units held by active checkouts" }],
          },
        }),
      ),
    );
    const error = await failure(
      importStock({ store, locations, shopId: "shop", content: file, format: "csv", actor: "ops" }),
    );
    expect(error.code).toBe("conflict");
    expect(error.details.errors).toEqual([
      { line: 4, field: "quantity", message: "9 is below the 10 units held by active checkouts" },
    ]);

    const json = JSON.stringify([
      { sku: "A", productId: "p", quantity: 1 },
      { sku: "B", productId: "p", quantity: 1 },
    ]);
    const refusing = scriptedStore([], () =>
      Promise.reject(
        new InventoryError("conflict", "held", {
          details: { errors: [{ index: 1, field: "quantity", message: "held" }] },
        }),
      ),
    );
    const jsonError = await failure(
      importStock({
        store: refusing.store,
        locations: refusing.locations,
        shopId: "shop",
        content: json,
        format: "json",
        actor: "ops",
      }),
    );
    expect(jsonError.details.errors).toEqual([{ line: 2, field: "items.1.quantity", message: "held" }]);
  });

  it("refuses, dry run or not, a row below the units held by checkouts, before writing", async () => {
    for (const dryRun of [true, false]) {
      const { store, locations, recorded } = scriptedStore([item("C", {}, { quantity: 12, reserved: 10 })]);
      const error = await failure(
        importStock({ store, locations, shopId: "shop", content: file, format: "csv", actor: "ops", dryRun }),
      );
      expect(error.code).toBe("conflict");
      expect(error.details.errors as FieldError[]).toEqual([
        { line: 4, field: "quantity", message: "9 is below the 10 units held by active checkouts at main" },
      ]);
      expect(recorded.upserts).toEqual([]);
    }
  });

  it("validates shop, actor and file before reading the store", async () => {
    const { store, locations, recorded } = scriptedStore([]);
    expect(
      (await failure(importStock({ store, locations, shopId: "Bad Shop", content: file, format: "csv", actor: "ops" })))
        .details.errors,
    ).toEqual([expect.objectContaining({ field: "shopId" })]);
    expect(
      (await failure(importStock({ store, locations, shopId: "shop", content: file, format: "csv", actor: " " })))
        .details.errors,
    ).toEqual([{ field: "actor", message: "is required" }]);
    expect(
      (await failure(importStock({ store, locations, shopId: "shop", content: "sku\nA", format: "csv", actor: "ops" })))
        .code,
    ).toBe("validation_failed");
    expect(recorded.lookups).toEqual([]);
  });
});

describe("exportStock", () => {
  it("returns content, content type and a file name without colons", async () => {
    const { store, locations } = scriptedStore([item("A", { size: "M" }, { quantity: 5 })]);
    const now = new Date("2025-01-31T09:30:00.123Z");
    const csv = await exportStock({ store, locations, shopId: "shop", format: "csv", now });
    expect(csv).toEqual({
      content:
        "\uFEFFsku,productId,productTitle,variantTitle,location,quantity,lowStockThreshold,purchaseLimit,variant.size\nA,p,,,main,5,,,M\n",
      contentType: "text/csv; charset=utf-8",
      filename: "stock-shop-2025-01-31T09-30-00Z.csv",
    });
    const json = await exportStock({ store, locations, shopId: "shop", format: "json", now });
    expect(json.contentType).toBe("application/json; charset=utf-8");
    expect(json.filename).toBe("stock-shop-2025-01-31T09-30-00Z.json");
    expect(JSON.parse(json.content)).toMatchObject({ shopId: "shop", exportedAt: "2025-01-31T09:30:00.123Z" });
  });

  it.each(["csv", "json"] as const)("exports what imports as unchanged (%s)", async (format) => {
    const items = [
      item("A", { size: "M", color: "Red" }, { quantity: 5, lowStockThreshold: 1, purchaseLimit: 2 }),
      item("B", {}, { quantity: 0 }),
    ];
    const { store, locations } = scriptedStore(items);
    const { content } = await exportStock({ store, locations, shopId: "shop", format });
    const result = await importStock({ store, locations, shopId: "shop", content, format, actor: "ops", dryRun: true });
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
  });
});
