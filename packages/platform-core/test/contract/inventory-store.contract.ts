import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { isInventoryError } from "../../src/errors/inventory-error.ts";
import type { HoldStore } from "../../src/holds/types.ts";
import type { InventoryStore } from "../../src/inventory/inventory-store.ts";
import type { LocationStore } from "../../src/locations/types.ts";
import { MAX_QUANTITY, type StockItemInput } from "../../src/inventory/types.ts";
import { cartToInventoryRequests } from "../../src/validation/cart-to-inventory-requests.ts";
import { validateInventoryAvailability } from "../../src/validation/validate-inventory-availability.ts";
import { variantKey } from "../../src/variants/variant-key.ts";
import { exportStock, importStock } from "../../src/import-export/index.ts";

export interface StoreHarness {
  store: InventoryStore;
  /** The same backend's hold store (validation asks it about expired holds). */
  holds: HoldStore;
  /** The same backend's location store (imports and exports read locations and stock per location from it). */
  locations: LocationStore;
  /** Deletes everything the store holds, between tests. */
  reset(): Promise<void>;
  destroy(): Promise<void>;
}

const actor = { reason: "import" as const, actor: "contract-test" };

async function expectError(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isInventoryError(error), `expected an InventoryError with code ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as { code: string; details: Record<string, unknown>; status: number; message: string };
}

/** Replaying a variant's ledger from zero gives its quantity. */
async function expectLedgerReplays(store: InventoryStore, shopId: string) {
  const items = await store.listItems(shopId);
  for (const item of items) {
    const entries = await store.listLedger(shopId, { sku: item.sku, variantKey: item.variantKey, limit: 1000 });
    const sum = entries.reduce((total, entry) => total + entry.delta, 0);
    expect(sum, `ledger of ${item.sku}/${item.variantKey}`).toBe(item.quantity);
    if (entries[0]) expect(entries[0].quantityAfter).toBe(item.quantity);
  }
}

const tee: StockItemInput[] = [
  {
    sku: "TEE",
    productId: "tee",
    variantAttributes: { size: "M", color: "Red" },
    quantity: 5,
    lowStockThreshold: 2,
    purchaseLimit: 2,
  },
  { sku: "TEE", productId: "tee", variantAttributes: { size: "L", color: "Red" }, quantity: 0 },
  { sku: "MUG", productId: "mug", quantity: 12 },
];

/**
 * The behaviour every InventoryStore backend must share. Each backend's test
 * file calls this with its own harness.
 */
export function describeInventoryStoreContract(backend: string, createHarness: () => Promise<StoreHarness>) {
  describe(`InventoryStore contract: ${backend}`, () => {
    let harness: StoreHarness;
    let store: InventoryStore;
    let locations: LocationStore;

    beforeEach(async () => {
      if (!harness) harness = await createHarness();
      else await harness.reset();
      store = harness.store;
      locations = harness.locations;
    });
    afterAll(async () => {
      await harness?.destroy();
    });

    it("creates items and reads them back, sorted, with available = quantity - reserved", async () => {
      const result = await store.upsertItems("shop-a", tee, actor);
      expect(result).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
      const items = await store.listItems("shop-a");
      expect(items.map((i) => [i.sku, i.variantKey])).toEqual([
        ["MUG", ""],
        ["TEE", variantKey({ color: "red", size: "l" })],
        ["TEE", variantKey({ color: "red", size: "m" })],
      ]);
      const mediumTee = items[2]!;
      expect(mediumTee).toMatchObject({
        shopId: "shop-a",
        productId: "tee",
        variantAttributes: { size: "M", color: "Red" },
        quantity: 5,
        reserved: 0,
        available: 5,
        lowStockThreshold: 2,
        purchaseLimit: 2,
        version: 1,
      });
      expect(items[0]).toMatchObject({ sku: "MUG", lowStockThreshold: null, purchaseLimit: null });
      expect(mediumTee.createdAt).toBeInstanceOf(Date);
      expect(await store.getItem("shop-a", { sku: "TEE", variantKey: mediumTee.variantKey })).toEqual(mediumTee);
      expect(await store.getItem("shop-a", { sku: "TEE", variantKey: "size=xl" })).toBeNull();
      const some = await store.getItems("shop-a", [
        { sku: "MUG", variantKey: "" },
        { sku: "NOPE", variantKey: "" },
      ]);
      expect(some.map((i) => i.sku)).toEqual(["MUG"]);
      expect(await store.listShops()).toEqual(["shop-a"]);
    });

    it("keeps shops apart", async () => {
      await store.upsertItems("shop-a", tee, actor);
      await store.upsertItems("shop-b", [{ sku: "MUG", productId: "mug", quantity: 1 }], actor);
      expect((await store.getItem("shop-b", { sku: "MUG", variantKey: "" }))?.quantity).toBe(1);
      expect((await store.getItem("shop-a", { sku: "MUG", variantKey: "" }))?.quantity).toBe(12);
      expect(await store.listItems("shop-c")).toEqual([]);
      expect(await store.listShops()).toEqual(["shop-a", "shop-b"]);
    });

    it("updates only what changed: version, ledger and counts", async () => {
      await store.upsertItems("shop-a", tee, actor);
      const again = await store.upsertItems(
        "shop-a",
        [
          { ...tee[0]!, variantAttributes: { COLOR: " red ", Size: "m" }, quantity: 5, lowStockThreshold: 2 },
          { ...tee[2]!, quantity: 20 },
        ],
        { reason: "restock", actor: "ops@example.com" },
      );
      // Attribute names and values in another case and order address the same variant.
      expect(again).toMatchObject({ created: 0, updated: 2, unchanged: 0 });
      const unchanged = await store.upsertItems("shop-a", [{ ...tee[2]!, quantity: 20 }], actor);
      expect(unchanged).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
      const mug = await store.getItem("shop-a", { sku: "MUG", variantKey: "" });
      expect(mug).toMatchObject({ quantity: 20, version: 2 });
      const ledger = await store.listLedger("shop-a", { sku: "MUG", variantKey: "" });
      expect(ledger.map((e) => [e.delta, e.quantityAfter, e.reason, e.actor])).toEqual([
        [8, 20, "restock", "ops@example.com"],
        [12, 12, "import", "contract-test"],
      ]);
      await expectLedgerReplays(store, "shop-a");
    });

    it("treats attributes in another key order as unchanged, and refuses names that collide once normalised", async () => {
      await store.upsertItems("shop-a", tee, actor);
      const reordered = await store.upsertItems(
        "shop-a",
        [{ ...tee[0]!, variantAttributes: { color: "Red", size: "M" } }],
        actor,
      );
      expect(reordered).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
      const error = await expectError(
        store.upsertItems(
          "shop-a",
          [{ sku: "TEE", productId: "tee", variantAttributes: { Size: "M", " size": "L" }, quantity: 1 }],
          actor,
        ),
        "validation_failed",
      );
      expect(error.details.errors).toEqual([expect.objectContaining({ field: "items.0.variantAttributes. size" })]);
    });

    it("keeps the low-stock threshold when an update leaves it out, clears it with null", async () => {
      await store.upsertItems("shop-a", tee, actor);
      const key = variantKey(tee[0]!.variantAttributes);
      await store.upsertItems(
        "shop-a",
        [{ sku: "TEE", productId: "tee", variantAttributes: tee[0]!.variantAttributes, quantity: 6 }],
        actor,
      );
      expect((await store.getItem("shop-a", { sku: "TEE", variantKey: key }))?.lowStockThreshold).toBe(2);
      await store.upsertItems("shop-a", [{ ...tee[0]!, quantity: 6, lowStockThreshold: null }], actor);
      expect((await store.getItem("shop-a", { sku: "TEE", variantKey: key }))?.lowStockThreshold).toBeNull();
    });

    it("keeps the purchase limit when an update leaves it out, clears it with null, and changes it without a ledger entry", async () => {
      await store.upsertItems("shop-a", tee, actor);
      const key = variantKey(tee[0]!.variantAttributes);
      const get = () => store.getItem("shop-a", { sku: "TEE", variantKey: key });
      const ledger = await store.listLedger("shop-a", { limit: 1000 });
      const kept = await store.upsertItems(
        "shop-a",
        [{ sku: "TEE", productId: "tee", variantAttributes: tee[0]!.variantAttributes, quantity: 5 }],
        actor,
      );
      expect(kept).toMatchObject({ unchanged: 1, items: [{ purchaseLimit: 2, version: 1 }] });
      // Only the limit changes: a new version, no ledger entry.
      const raised = await store.upsertItems("shop-a", [{ ...tee[0]!, purchaseLimit: 4 }], actor);
      expect(raised).toMatchObject({ updated: 1, items: [{ purchaseLimit: 4, version: 2, quantity: 5 }] });
      const cleared = await store.upsertItems("shop-a", [{ ...tee[0]!, purchaseLimit: null }], actor);
      expect(cleared).toMatchObject({ updated: 1, items: [{ purchaseLimit: null, version: 3 }] });
      expect(await store.listLedger("shop-a", { limit: 1000 })).toEqual(ledger);

      const stale = await expectError(
        store.updateItem({
          shopId: "shop-a",
          sku: "TEE",
          variantKey: key,
          purchaseLimit: 1,
          actor: "ben",
          expectedVersion: 2,
        }),
        "conflict",
      );
      expect(stale.details.current).toMatchObject({ purchaseLimit: null, version: 3 });
      expect(await get()).toMatchObject({ purchaseLimit: null, version: 3 });
      const edited = await store.updateItem({
        shopId: "shop-a",
        sku: "TEE",
        variantKey: key,
        purchaseLimit: 1,
        actor: "ben",
        expectedVersion: 3,
      });
      expect(edited).toMatchObject({ purchaseLimit: 1, lowStockThreshold: 2, quantity: 5, version: 4 });
      // The same limit again is no change: no version bump.
      expect(
        await store.updateItem({ shopId: "shop-a", sku: "TEE", variantKey: key, purchaseLimit: 1, actor: "ben" }),
      ).toMatchObject({ version: 4 });
      // Another field's edit leaves the limit alone.
      expect(
        await store.updateItem({ shopId: "shop-a", sku: "TEE", variantKey: key, lowStockThreshold: 1, actor: "ben" }),
      ).toMatchObject({ purchaseLimit: 1, version: 5 });
      expect(
        await store.updateItem({ shopId: "shop-a", sku: "TEE", variantKey: key, purchaseLimit: null, actor: "ben" }),
      ).toMatchObject({ purchaseLimit: null, version: 6 });
      expect(await store.listLedger("shop-a", { limit: 1000 })).toEqual(ledger);
      await expectLedgerReplays(store, "shop-a");
    });

    it("refuses a purchase limit that is not a whole number from 1 to MAX_QUANTITY, naming the field, and changes nothing", async () => {
      await store.upsertItems("shop-a", tee, actor);
      const before = await store.listItems("shop-a");
      const ledger = await store.listLedger("shop-a", { limit: 1000 });
      const hostile: unknown[] = [
        0,
        -1,
        -0.5,
        1.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        MAX_QUANTITY + 1,
        Number.MAX_SAFE_INTEGER,
        1e21,
        "2",
        "",
        true,
        [2],
        { $gt: 0 },
      ];
      const bad = await expectError(
        store.upsertItems(
          "shop-a",
          [
            { sku: "MUG", productId: "mug", quantity: 12, purchaseLimit: 3 },
            ...hostile.map((limit, index) => ({
              sku: `NEW-${index}`,
              productId: "new",
              quantity: 1,
              purchaseLimit: limit as number,
            })),
          ],
          actor,
        ),
        "validation_failed",
      );
      // Every hostile row named once or more (-0.5 is both fractional and below 1), the good first row never.
      expect([...new Set((bad.details.errors as Array<{ field: string }>).map((e) => e.field))]).toEqual(
        hostile.map((_, index) => `items.${index + 1}.purchaseLimit`),
      );
      expect((bad.details.errors as Array<{ message: string }>)[0]!.message).toBe(
        "must be at least 1 (empty or null for no limit)",
      );
      for (const limit of hostile) {
        const error = await expectError(
          store.updateItem({
            shopId: "shop-a",
            sku: "MUG",
            variantKey: "",
            purchaseLimit: limit as number,
            actor: "ben",
            expectedVersion: 1,
          }),
          "validation_failed",
        );
        expect(
          [...new Set((error.details.errors as Array<{ field: string }>).map((e) => e.field))],
          `purchaseLimit ${String(limit)}`,
        ).toEqual(["purchaseLimit"]);
      }
      expect(await store.listItems("shop-a")).toEqual(before);
      expect(await store.listLedger("shop-a", { limit: 1000 })).toEqual(ledger);
      // The bounds themselves are limits.
      const edges = await store.upsertItems(
        "shop-a",
        [
          { sku: "ONE", productId: "one", quantity: 1, purchaseLimit: 1 },
          { sku: "MAX", productId: "max", quantity: 1, purchaseLimit: MAX_QUANTITY },
        ],
        actor,
      );
      expect(edges.items.map((item) => item.purchaseLimit)).toEqual([1, MAX_QUANTITY]);
    });

    it("keeps titles an update leaves out, sets and clears them, and edits them without a ledger entry", async () => {
      const attributes = { color: "Coral", size: "M" };
      const key = variantKey(attributes);
      const [created] = (
        await store.upsertItems(
          "shop-a",
          [{ sku: "TEE", productId: "tee", variantAttributes: attributes, quantity: 1 }],
          actor,
        )
      ).items;
      expect(created).toMatchObject({ productTitle: "", variantTitle: "" });
      const titled = await store.upsertItems(
        "shop-a",
        [
          {
            sku: "TEE",
            productId: "tee",
            productTitle: " Linen  tee ",
            variantTitle: "Coral / M",
            variantAttributes: attributes,
            quantity: 1,
          },
        ],
        actor,
      );
      expect(titled).toMatchObject({
        updated: 1,
        items: [{ productTitle: "Linen tee", variantTitle: "Coral / M", version: 2 }],
      });
      const kept = await store.upsertItems(
        "shop-a",
        [{ sku: "TEE", productId: "tee", variantAttributes: attributes, quantity: 1 }],
        actor,
      );
      expect(kept).toMatchObject({
        unchanged: 1,
        items: [{ productTitle: "Linen tee", variantTitle: "Coral / M", version: 2 }],
      });
      const renamed = await store.updateItem({
        shopId: "shop-a",
        sku: "TEE",
        variantKey: key,
        productTitle: "Linen T-shirt",
        variantTitle: "",
        actor: "ana",
        expectedVersion: 2,
      });
      expect(renamed).toMatchObject({ productTitle: "Linen T-shirt", variantTitle: "", version: 3, quantity: 1 });
      expect(
        await store.updateItem({
          shopId: "shop-a",
          sku: "TEE",
          variantKey: key,
          productTitle: "Linen T-shirt",
          actor: "ana",
        }),
      ).toMatchObject({ version: 3 });
      expect((await store.listLedger("shop-a", { sku: "TEE" })).length).toBe(1);
      const long = await expectError(
        store.updateItem({
          shopId: "shop-a",
          sku: "TEE",
          variantKey: key,
          productTitle: "x".repeat(201),
          actor: "ana",
        }),
        "validation_failed",
      );
      expect(long.details.errors).toEqual([expect.objectContaining({ field: "productTitle" })]);
      const control = await expectError(
        store.upsertItems(
          "shop-a",
          [{ sku: "TEE", productId: "tee", variantTitle: "a\u0000b", variantAttributes: attributes, quantity: 1 }],
          actor,
        ),
        "validation_failed",
      );
      expect(control.details.errors).toEqual([expect.objectContaining({ field: "items.0.variantTitle" })]);
      expect(await store.getItem("shop-a", { sku: "TEE", variantKey: key })).toMatchObject({
        productTitle: "Linen T-shirt",
        variantTitle: "",
        version: 3,
      });
    });

    it("sets and adjusts quantity with a ledger entry carrying reason, actor and note", async () => {
      await store.upsertItems("shop-a", tee, actor);
      const set = await store.setQuantity({
        shopId: "shop-a",
        sku: "MUG",
        variantKey: "",
        quantity: 7,
        reason: "correction",
        actor: "ana",
        note: "stock count",
      });
      expect(set).toMatchObject({ quantity: 7, available: 7, version: 2 });
      const adjusted = await store.adjustQuantity({
        shopId: "shop-a",
        sku: "MUG",
        variantKey: "",
        delta: -3,
        reason: "damage",
        actor: "ben",
      });
      expect(adjusted).toMatchObject({ quantity: 4, version: 3 });
      const [latest, previous] = await store.listLedger("shop-a", { sku: "MUG", variantKey: "" });
      expect(latest).toMatchObject({
        delta: -3,
        quantityAfter: 4,
        reason: "damage",
        actor: "ben",
        note: null,
        holdId: null,
      });
      expect(previous).toMatchObject({
        delta: -5,
        quantityAfter: 7,
        reason: "correction",
        actor: "ana",
        note: "stock count",
      });
      // Setting the same quantity is a no-op: no ledger entry, no version bump.
      const same = await store.setQuantity({
        shopId: "shop-a",
        sku: "MUG",
        variantKey: "",
        quantity: 4,
        reason: "edit",
        actor: "ana",
      });
      expect(same.version).toBe(3);
      expect(await store.listLedger("shop-a", { sku: "MUG", variantKey: "" })).toHaveLength(3);
      await expectLedgerReplays(store, "shop-a");
    });

    it("detects a concurrent edit through expectedVersion and changes nothing", async () => {
      await store.upsertItems("shop-a", tee, actor);
      await store.setQuantity({
        shopId: "shop-a",
        sku: "MUG",
        variantKey: "",
        quantity: 10,
        reason: "edit",
        actor: "ana",
        expectedVersion: 1,
      });
      const error = await expectError(
        store.setQuantity({
          shopId: "shop-a",
          sku: "MUG",
          variantKey: "",
          quantity: 99,
          reason: "edit",
          actor: "ben",
          expectedVersion: 1,
        }),
        "conflict",
      );
      expect(error.status).toBe(409);
      expect(error.details.current).toMatchObject({ quantity: 10, version: 2 });
      expect((await store.getItem("shop-a", { sku: "MUG", variantKey: "" }))?.quantity).toBe(10);
      const stale = await expectError(
        store.updateItem({
          shopId: "shop-a",
          sku: "MUG",
          variantKey: "",
          lowStockThreshold: 3,
          actor: "ben",
          expectedVersion: 1,
        }),
        "conflict",
      );
      expect(stale.details.current).toBeDefined();
      const updated = await store.updateItem({
        shopId: "shop-a",
        sku: "MUG",
        variantKey: "",
        lowStockThreshold: 3,
        actor: "ben",
        expectedVersion: 2,
      });
      expect(updated).toMatchObject({ lowStockThreshold: 3, version: 3, quantity: 10 });
    });

    it("refuses bad input with field errors and changes nothing", async () => {
      await store.upsertItems("shop-a", tee, actor);
      const before = await store.listItems("shop-a");
      const bad = await expectError(
        store.upsertItems(
          "shop-a",
          [
            { sku: "NEW", productId: "new", quantity: 3 },
            { sku: "", productId: "x", quantity: 1 },
            { sku: "MUG", productId: "mug", quantity: -1 },
            { sku: "MUG2", productId: "mug", quantity: 1.5 },
            { sku: "NEW", productId: "new", quantity: 4 },
          ],
          actor,
        ),
        "validation_failed",
      );
      const fields = (bad.details.errors as Array<{ field: string }>).map((e) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining(["items.1.sku", "items.2.quantity", "items.3.quantity", "items.4.sku"]),
      );
      await expectError(store.upsertItems("Bad Shop!", tee, actor), "validation_failed");
      await expectError(
        store.upsertItems("shop-a", tee, { reason: "stolen" as never, actor: "x" }),
        "validation_failed",
      );
      await expectError(store.upsertItems("shop-a", tee, { reason: "edit", actor: " " }), "validation_failed");
      await expectError(
        store.setQuantity({
          shopId: "shop-a",
          sku: "MUG",
          variantKey: "",
          quantity: Number.MAX_SAFE_INTEGER,
          reason: "edit",
          actor: "a",
        }),
        "validation_failed",
      );
      const below = await expectError(
        store.adjustQuantity({ shopId: "shop-a", sku: "MUG", variantKey: "", delta: -13, reason: "edit", actor: "a" }),
        "validation_failed",
      );
      expect(below.details.errors).toEqual([expect.objectContaining({ field: "delta" })]);
      await expectError(
        store.setQuantity({ shopId: "shop-a", sku: "GHOST", variantKey: "", quantity: 1, reason: "edit", actor: "a" }),
        "not_found",
      );
      await expectError(
        store.adjustQuantity({ shopId: "shop-a", sku: "GHOST", variantKey: "", delta: 1, reason: "edit", actor: "a" }),
        "not_found",
      );
      expect(await store.listItems("shop-a")).toEqual(before);
      await expectLedgerReplays(store, "shop-a");
    });

    it("pages through the ledger newest first", async () => {
      await store.upsertItems("shop-a", tee, actor);
      for (let i = 0; i < 5; i++) {
        await store.adjustQuantity({
          shopId: "shop-a",
          sku: "MUG",
          variantKey: "",
          delta: 1,
          reason: "restock",
          actor: "a",
        });
      }
      const first = await store.listLedger("shop-a", { sku: "MUG", variantKey: "", limit: 2 });
      expect(first.map((e) => e.quantityAfter)).toEqual([17, 16]);
      const next = await store.listLedger("shop-a", { sku: "MUG", variantKey: "", limit: 2, beforeId: first[1]!.id });
      expect(next.map((e) => e.quantityAfter)).toEqual([15, 14]);
      const all = await store.listLedger("shop-a");
      expect(all.length).toBe(7); // 2 non-zero creations + 5 adjustments
    });

    it("loses no update when many adjustments race", async () => {
      await store.upsertItems("shop-a", tee, actor);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.adjustQuantity({
            shopId: "shop-a",
            sku: "MUG",
            variantKey: "",
            delta: i % 2 === 0 ? 2 : -1,
            reason: "correction",
            actor: `a${i}`,
          }),
        ),
      );
      expect((await store.getItem("shop-a", { sku: "MUG", variantKey: "" }))?.quantity).toBe(12 + 20 * 2 - 20);
      await expectLedgerReplays(store, "shop-a");
    });

    describe("import and export", () => {
      it("round-trips an export unchanged, in CSV and JSON", async () => {
        await store.upsertItems("shop-a", tee, actor);
        for (const format of ["csv", "json"] as const) {
          const exported = await exportStock({ store, locations, shopId: "shop-a", format });
          const result = await importStock({
            store,
            locations,
            shopId: "shop-a",
            content: exported.content,
            format,
            actor: "ops",
          });
          expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
          // And into an empty shop, the same file recreates the same stock.
          await importStock({
            store,
            locations,
            shopId: `copy-${format}`,
            content: exported.content,
            format,
            actor: "ops",
          });
          const copy = await store.listItems(`copy-${format}`);
          const original = await store.listItems("shop-a");
          const strip = (items: typeof copy) =>
            items.map(
              ({ sku, variantKey: key, productId, variantAttributes, quantity, lowStockThreshold, purchaseLimit }) => ({
                sku,
                key,
                productId,
                variantAttributes,
                quantity,
                lowStockThreshold,
                purchaseLimit,
              }),
            );
          expect(strip(copy)).toEqual(strip(original));
          expect(copy.map((item) => item.purchaseLimit)).toEqual([null, null, 2]);
        }
      });

      it("applies a good file all at once with a ledger entry per changed quantity", async () => {
        await store.upsertItems("shop-a", tee, actor);
        const csv =
          "sku,productId,quantity,lowStockThreshold,variant.size,variant.color\nTEE,tee,9,2,M,Red\nHAT,hat,4,,,\nMUG,mug,13,,,\n";
        const preview = await importStock({
          store,
          locations,
          shopId: "shop-a",
          content: csv,
          format: "csv",
          actor: "ops",
          dryRun: true,
        });
        expect(preview).toMatchObject({ dryRun: true, created: 1, updated: 2, unchanged: 0 });
        expect(await store.getItem("shop-a", { sku: "HAT", variantKey: "" })).toBeNull();
        const applied = await importStock({
          store,
          locations,
          shopId: "shop-a",
          content: csv,
          format: "csv",
          actor: "ops",
        });
        expect(applied).toMatchObject({ dryRun: false, created: 1, updated: 2 });
        expect(await store.getItem("shop-a", { sku: "HAT", variantKey: "" })).toMatchObject({ quantity: 4 });
        const [entry] = await store.listLedger("shop-a", {
          sku: "TEE",
          variantKey: variantKey({ size: "m", color: "red" }),
        });
        expect(entry).toMatchObject({ delta: 4, quantityAfter: 9, reason: "import", actor: "ops" });
        await expectLedgerReplays(store, "shop-a");
      });

      it("rejects a bad CSV with every error by line and field, and changes nothing", async () => {
        await store.upsertItems("shop-a", tee, actor);
        const before = await store.listItems("shop-a");
        const ledgerBefore = await store.listLedger("shop-a", { limit: 1000 });
        const csv = [
          "sku,productId,quantity,lowStockThreshold",
          "MUG,mug,50,",
          "NEW,new,abc,",
          ",x,1,",
          "NEW2,new2,-4,1.5",
          "MUG,mug,3,",
        ].join("\n");
        const error = await expectError(
          importStock({ store, locations, shopId: "shop-a", content: csv, format: "csv", actor: "ops" }),
          "validation_failed",
        );
        const errors = error.details.errors as Array<{ line: number; field: string }>;
        expect(errors.map((e) => [e.line, e.field])).toEqual(
          expect.arrayContaining([
            [3, "quantity"],
            [4, "sku"],
            [5, "quantity"],
            [5, "lowStockThreshold"],
            [6, "sku"],
          ]),
        );
        expect(await store.listItems("shop-a")).toEqual(before);
        expect(await store.listLedger("shop-a", { limit: 1000 })).toEqual(ledgerBefore);
      });
    });

    describe("locations in files", () => {
      it("exports a location column (main for a one-location shop); main or an empty cell imports at main", async () => {
        await store.upsertItems("shop-a", tee, actor);
        const exported = await exportStock({ store, locations, shopId: "shop-a", format: "csv" });
        const [header, ...lines] = exported.content.trim().split("\n");
        expect(header).toContain(",variantTitle,location,quantity,");
        expect(lines.map((line) => line.split(",")[4])).toEqual(["main", "main", "main"]);
        const json = await exportStock({ store, locations, shopId: "shop-a", format: "json" });
        const entries = (JSON.parse(json.content) as { items: Array<{ location: string }> }).items;
        expect(entries.map((entry) => entry.location)).toEqual(["main", "main", "main"]);

        const csv = "sku,productId,location,quantity\nMUG,mug,main,20\nHAT,hat,,3\n";
        expect(
          await importStock({ store, locations, shopId: "shop-a", content: csv, format: "csv", actor: "ops" }),
        ).toMatchObject({
          created: 1,
          updated: 1,
          changes: [
            { line: 2, location: "main", before: { quantity: 12 }, after: { quantity: 20 } },
            { line: 3, location: "main", action: "create" },
          ],
        });
        expect(await store.getItem("shop-a", { sku: "MUG", variantKey: "" })).toMatchObject({ quantity: 20 });
        expect(await store.listLedger("shop-a", { sku: "HAT", variantKey: "" })).toMatchObject([
          { location: "main", delta: 3, reason: "import" },
        ]);
        await expectLedgerReplays(store, "shop-a");
      });

      it("refuses a location the shop does not have, or a bad code, by line and field, and changes nothing", async () => {
        await store.upsertItems("shop-a", tee, actor);
        const before = await store.listItems("shop-a");
        const ledgerBefore = await store.listLedger("shop-a", { limit: 1000 });
        for (const dryRun of [true, false]) {
          const unknown = await expectError(
            importStock({
              store,
              locations,
              shopId: "shop-a",
              content: "sku,productId,location,quantity\nMUG,mug,main,1\nHAT,hat,soho,2\n",
              format: "csv",
              actor: "ops",
              dryRun,
            }),
            "validation_failed",
          );
          expect(unknown.details.errors).toEqual([
            { line: 3, field: "location", message: "is not a location of shop shop-a (its locations: main)" },
          ]);
          const bad = await expectError(
            importStock({
              store,
              locations,
              shopId: "shop-a",
              content: JSON.stringify([{ sku: "MUG", productId: "mug", quantity: 1, location: "Main" }]),
              format: "json",
              actor: "ops",
              dryRun,
            }),
            "validation_failed",
          );
          expect((bad.details.errors as Array<{ line: number; field: string }>).map((e) => [e.line, e.field])).toEqual([
            [1, "items.0.location"],
          ]);
        }
        expect(await store.listItems("shop-a")).toEqual(before);
        expect(await store.listLedger("shop-a", { limit: 1000 })).toEqual(ledgerBefore);
      });
    });

    describe("purchase limits in files", () => {
      it("refuses hostile limits by line and field and changes nothing, in CSV and JSON", async () => {
        await store.upsertItems("shop-a", tee, actor);
        const before = await store.listItems("shop-a");
        const ledgerBefore = await store.listLedger("shop-a", { limit: 1000 });
        const cells = ["0", "-1", "1.5", "abc", "1000000001", "1e9", "9".repeat(400)];
        const csv = [
          "sku,productId,quantity,purchaseLimit",
          "MUG,mug,12,3",
          ...cells.map((cell, index) => `NEW-${index},new,1,${cell}`),
        ].join("\n");
        const error = await expectError(
          importStock({ store, locations, shopId: "shop-a", content: csv, format: "csv", actor: "ops" }),
          "validation_failed",
        );
        expect((error.details.errors as Array<{ line: number; field: string }>).map((e) => [e.line, e.field])).toEqual(
          cells.map((_, index) => [index + 3, "purchaseLimit"]),
        );
        const json = JSON.stringify({
          items: [
            { sku: "MUG", productId: "mug", quantity: 12, purchaseLimit: 3 },
            { sku: "NEW", productId: "new", quantity: 1, purchaseLimit: 0 },
            { sku: "NEW2", productId: "new", quantity: 1, purchaseLimit: "2" },
          ],
        });
        const jsonError = await expectError(
          importStock({
            store,
            locations,
            shopId: "shop-a",
            content: json,
            format: "json",
            actor: "ops",
            dryRun: true,
          }),
          "validation_failed",
        );
        expect(
          (jsonError.details.errors as Array<{ line: number; field: string }>).map((e) => [e.line, e.field]),
        ).toEqual([
          [2, "items.1.purchaseLimit"],
          [3, "items.2.purchaseLimit"],
        ]);
        expect(await store.listItems("shop-a")).toEqual(before);
        expect(await store.listLedger("shop-a", { limit: 1000 })).toEqual(ledgerBefore);
      });

      it("sets a limit with no ledger entry, keeps it when the column is absent, clears it on an empty cell", async () => {
        await store.upsertItems("shop-a", tee, actor);
        const ledgerBefore = await store.listLedger("shop-a", { limit: 1000 });
        const mug = () => store.getItem("shop-a", { sku: "MUG", variantKey: "" });
        const run = (content: string, dryRun = false) =>
          importStock({ store, locations, shopId: "shop-a", content, format: "csv", actor: "ops", dryRun });
        const preview = await run("sku,productId,quantity,purchaseLimit\nMUG,mug,12,3\n", true);
        expect(preview).toMatchObject({
          updated: 1,
          changes: [{ action: "update", before: { purchaseLimit: null }, after: { purchaseLimit: 3, quantity: 12 } }],
        });
        expect(await mug()).toMatchObject({ purchaseLimit: null, version: 1 });
        expect(await run("sku,productId,quantity,purchaseLimit\nMUG,mug,12,3\n")).toMatchObject({ updated: 1 });
        expect(await mug()).toMatchObject({ purchaseLimit: 3, version: 2, quantity: 12 });
        expect(await run("sku,productId,quantity\nMUG,mug,12\n")).toMatchObject({ unchanged: 1 });
        expect(await mug()).toMatchObject({ purchaseLimit: 3, version: 2 });
        expect(await run("sku,productId,quantity,purchaseLimit\nMUG,mug,12,\n")).toMatchObject({ updated: 1 });
        expect(await mug()).toMatchObject({ purchaseLimit: null, version: 3 });
        expect(await store.listLedger("shop-a", { limit: 1000 })).toEqual(ledgerBefore);
      });
    });

    describe("validation against live stock", () => {
      it("resolves variants in any attribute order and case, sums duplicate lines, and reports shortfalls", async () => {
        await store.upsertItems("shop-a", tee, actor);
        const requests = cartToInventoryRequests({
          lines: [
            { sku: "TEE", quantity: 2, variantAttributes: { Color: "RED", size: "m" } },
            { sku: "TEE", quantity: 2, variantAttributes: { size: " M ", color: "red" } },
            { sku: "MUG", quantity: 1 },
          ],
        });
        expect(requests).toHaveLength(2);
        expect(await validateInventoryAvailability("shop-a", requests, { store, holds: harness.holds })).toEqual({
          ok: true,
        });

        const short = cartToInventoryRequests({
          lines: [
            { sku: "TEE", quantity: 6, variantAttributes: { size: "M", color: "red" } },
            { sku: "TEE", quantity: 1, variantAttributes: { size: "L", color: "red" } },
            { sku: "TEE", quantity: 1, variantAttributes: { size: "XXL", color: "red" } },
            { sku: "UNKNOWN", quantity: 1 },
            { sku: "MUG", quantity: 12 },
          ],
        });
        const result = await validateInventoryAvailability("shop-a", short, { store, holds: harness.holds });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.insufficient).toEqual(
          expect.arrayContaining([
            { sku: "TEE", variantKey: variantKey({ color: "red", size: "m" }), requested: 6, available: 5 },
            { sku: "TEE", variantKey: variantKey({ color: "red", size: "l" }), requested: 1, available: 0 },
            { sku: "TEE", variantKey: variantKey({ color: "red", size: "xxl" }), requested: 1, available: 0 },
            { sku: "UNKNOWN", variantKey: "", requested: 1, available: 0 },
          ]),
        );
        expect(result.insufficient).toHaveLength(4);
        // Another shop's stock never satisfies this shop's cart.
        const other = await validateInventoryAvailability("shop-b", [{ sku: "MUG", variantKey: "", quantity: 1 }], {
          store,
          holds: harness.holds,
        });
        expect(other).toEqual({
          ok: false,
          insufficient: [{ sku: "MUG", variantKey: "", requested: 1, available: 0 }],
        });
      });
    });
  });
}
