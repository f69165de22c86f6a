import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { isInventoryError } from "../../src/errors/inventory-error.ts";
import { commitInventoryHold } from "../../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../../src/holds/create-inventory-hold.ts";
import { extendInventoryHold } from "../../src/holds/extend-inventory-hold.ts";
import { getInventoryHold } from "../../src/holds/get-inventory-hold.ts";
import { reconcileInventoryReserved } from "../../src/holds/reconcile-reserved.ts";
import {
  releaseExpiredHoldsForAllShops,
  releaseExpiredInventoryHolds,
} from "../../src/holds/release-expired-inventory-holds.ts";
import { releaseInventoryHold } from "../../src/holds/release-inventory-hold.ts";
import type { HoldStore } from "../../src/holds/types.ts";
import type { InventoryStore } from "../../src/inventory/inventory-store.ts";
import type { VariantRef } from "../../src/inventory/types.ts";
import { validateInventoryAvailability } from "../../src/validation/validate-inventory-availability.ts";

export interface HoldHarness {
  stock: InventoryStore;
  holds: HoldStore;
  reset(): Promise<void>;
  destroy(): Promise<void>;
  /** Writes `reserved` behind the platform's back, to prove reconciliation finds and repairs it. */
  corruptReserved(shopId: string, ref: VariantRef, reserved: number): Promise<void>;
}

const SHOP = "shop-h";
const T0 = new Date("2026-11-24T12:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ref = (sku: string): VariantRef => ({ sku, variantKey: "" });

/** The InventoryError a promise rejects with (anything else, or resolving, fails the test). */
export async function caught(promise: Promise<unknown>) {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => {
      if (!isInventoryError(error)) throw error;
      return error;
    },
  );
}

export function describeHoldStoreContract(backend: string, createHarness: () => Promise<HoldHarness>) {
  describe(`Holds contract: ${backend}`, () => {
    let h: HoldHarness;
    let store: HoldStore;

    async function seed(stock: Record<string, number>) {
      await h.stock.upsertItems(
        SHOP,
        Object.entries(stock).map(([sku, quantity]) => ({ sku, productId: sku.toLowerCase(), quantity })),
        { reason: "import", actor: "test" },
      );
    }
    async function item(sku: string) {
      return (await h.stock.getItem(SHOP, ref(sku)))!;
    }
    function hold(
      requests: Array<[string, number]>,
      extra: { ttlSeconds?: number; idempotencyKey?: string; now?: Date } = {},
    ) {
      return createInventoryHold({
        shopId: SHOP,
        requests: requests.map(([sku, quantity]) => ({ sku, quantity })),
        ttlSeconds: extra.ttlSeconds ?? 600,
        now: extra.now ?? T0,
        store,
        ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}),
      });
    }
    async function expectReconciled() {
      const report = await reconcileInventoryReserved({ store });
      expect(report.drift).toEqual([]);
    }

    beforeEach(async () => {
      if (!h) h = await createHarness();
      else await h.reset();
      store = h.holds;
    });
    afterAll(async () => {
      await h?.destroy();
    });

    it("reserves every line, reads back with items and status, and counts in available", async () => {
      await seed({ A: 5, B: 3 });
      const created = await hold([
        ["A", 2],
        ["B", 1],
        ["A", 1],
      ]);
      expect(created.holdId).toMatch(/^hold_/);
      expect(created.expiresAt).toEqual(at(600));
      expect(await item("A")).toMatchObject({ quantity: 5, reserved: 3, available: 2 });
      expect(await item("B")).toMatchObject({ quantity: 3, reserved: 1, available: 2 });
      const view = await getInventoryHold({ shopId: SHOP, holdId: created.holdId, now: T0, store });
      expect(view).toMatchObject({ holdId: created.holdId, shopId: SHOP, status: "active", expiresAt: at(600) });
      expect(view!.items.map((i) => [i.sku, i.quantity, i.productId])).toEqual([
        ["A", 3, "a"],
        ["B", 1, "b"],
      ]);
      expect(await getInventoryHold({ shopId: "other-shop", holdId: created.holdId, now: T0, store })).toBeNull();
      await expectReconciled();
    });

    it("records the checkout session that pays for a hold once; the first one stays", async () => {
      await seed({ A: 5 });
      const created = await hold([["A", 1]]);
      expect((await store.getHold({ shopId: SHOP, holdId: created.holdId, now: T0 }))?.checkoutSessionId).toBeNull();
      expect(
        await store.attachCheckoutSession({ shopId: SHOP, holdId: created.holdId, checkoutSessionId: "cs_test_first" }),
      ).toBe(true);
      expect(
        await store.attachCheckoutSession({
          shopId: SHOP,
          holdId: created.holdId,
          checkoutSessionId: "cs_test_second",
        }),
      ).toBe(false);
      expect(
        await store.attachCheckoutSession({
          shopId: "other-shop",
          holdId: created.holdId,
          checkoutSessionId: "cs_test_x",
        }),
      ).toBe(false);
      expect(
        await store.attachCheckoutSession({ shopId: SHOP, holdId: "hold_missing", checkoutSessionId: "cs_test_x" }),
      ).toBe(false);
      const [listed] = await store.listHolds({ shopId: SHOP, now: T0 });
      expect(listed).toMatchObject({ holdId: created.holdId, checkoutSessionId: "cs_test_first" });
    });

    it("is all-or-nothing: one short line refuses the hold with every shortfall and reserves nothing", async () => {
      await seed({ A: 5, B: 1 });
      const error = await caught(
        hold([
          ["A", 2],
          ["B", 2],
          ["GHOST", 1],
        ]),
      );
      expect(error.code).toBe("inventory_insufficient");
      expect(error.status).toBe(409);
      expect(error.details.items).toEqual([
        { sku: "B", variantKey: "", requested: 2, available: 1 },
        { sku: "GHOST", variantKey: "", requested: 1, available: 0 },
      ]);
      expect(await item("A")).toMatchObject({ reserved: 0 });
      expect(await item("B")).toMatchObject({ reserved: 0 });
      expect(await store.listHolds({ shopId: SHOP, now: T0 })).toEqual([]);
    });

    it("refuses invalid TTLs, ids and requests with validation_failed", async () => {
      await seed({ A: 5 });
      for (const ttlSeconds of [0, -5, 3601, 12.5, Number.NaN]) {
        const error = await caught(hold([["A", 1]], { ttlSeconds }));
        expect(error.code).toBe("validation_failed");
        expect(error.details.errors).toEqual([expect.objectContaining({ field: "ttlSeconds" })]);
      }
      expect((await caught(hold([["A", 0]]))).code).toBe("validation_failed");
      expect((await caught(hold([]))).code).toBe("validation_failed");
      expect(
        (await caught(createInventoryHold({ shopId: "NOT A SHOP", requests: [{ sku: "A", quantity: 1 }], store })))
          .code,
      ).toBe("validation_failed");
      expect((await caught(commitInventoryHold({ shopId: SHOP, holdId: "", store }))).code).toBe("validation_failed");
      expect((await caught(commitInventoryHold({ shopId: SHOP, holdId: "hold_missing", store }))).code).toBe(
        "not_found",
      );
      expect((await caught(releaseInventoryHold({ shopId: SHOP, holdId: "hold_missing", store }))).code).toBe(
        "not_found",
      );
      expect(await item("A")).toMatchObject({ reserved: 0 });
    });

    it("commits: stock leaves quantity and reserved with a sale ledger entry; commit twice and release after commit change nothing", async () => {
      await seed({ A: 5, B: 3 });
      const { holdId } = await hold([
        ["A", 2],
        ["B", 3],
      ]);
      const first = await commitInventoryHold({ shopId: SHOP, holdId, actor: "stripe", now: at(10), store });
      expect(first).toEqual({ holdId, status: "committed", changed: true });
      expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0, available: 3 });
      expect(await item("B")).toMatchObject({ quantity: 0, reserved: 0 });
      const [sale] = await h.stock.listLedger(SHOP, { sku: "A", variantKey: "" });
      expect(sale).toMatchObject({ delta: -2, quantityAfter: 3, reason: "sale", holdId, actor: "stripe" });

      expect(await commitInventoryHold({ shopId: SHOP, holdId, now: at(11), store })).toEqual({
        holdId,
        status: "committed",
        changed: false,
      });
      expect(await releaseInventoryHold({ shopId: SHOP, holdId, now: at(12), store })).toEqual({
        holdId,
        status: "committed",
        changed: false,
      });
      expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
      expect(await h.stock.listLedger(SHOP, { sku: "A", variantKey: "" })).toHaveLength(2);
      const view = await getInventoryHold({ shopId: SHOP, holdId, now: at(5000), store });
      expect(view).toMatchObject({ status: "committed", committedAt: at(10) });
      await expectReconciled();
    });

    it("releases: units come back; release twice is a no-op; a released hold cannot be committed", async () => {
      await seed({ A: 5 });
      const { holdId } = await hold([["A", 4]]);
      expect(await releaseInventoryHold({ shopId: SHOP, holdId, now: at(5), store })).toEqual({
        holdId,
        status: "released",
        changed: true,
      });
      expect(await item("A")).toMatchObject({ quantity: 5, reserved: 0 });
      expect(await releaseInventoryHold({ shopId: SHOP, holdId, now: at(6), store })).toMatchObject({
        changed: false,
        status: "released",
      });
      const error = await caught(commitInventoryHold({ shopId: SHOP, holdId, now: at(7), store }));
      expect(error.code).toBe("conflict");
      expect(await item("A")).toMatchObject({ quantity: 5, reserved: 0 });
      expect(await getInventoryHold({ shopId: SHOP, holdId, now: at(8), store })).toMatchObject({
        status: "released",
        releasedAt: at(5),
      });
      await expectReconciled();
    });

    it("answers the same idempotency key with the same hold, also when sent concurrently", async () => {
      await seed({ A: 50 });
      const first = await hold([["A", 2]], { idempotencyKey: "cart-1" });
      const again = await hold([["A", 2]], { idempotencyKey: "cart-1" });
      expect(first.created).toBe(true);
      expect(again).toEqual({ ...first, created: false });
      const racing = await Promise.all(
        Array.from({ length: 12 }, () => hold([["A", 3]], { idempotencyKey: "cart-2" })),
      );
      expect(new Set(racing.map((r) => r.holdId)).size).toBe(1);
      expect(await item("A")).toMatchObject({ reserved: 5 });
      await expectReconciled();
    });

    it("replays a key racing for the last unit as the same hold, and refuses a key reused for other lines or a settled hold", async () => {
      await seed({ A: 1, B: 5 });
      const racing = await Promise.allSettled(
        Array.from({ length: 8 }, () => hold([["A", 1]], { idempotencyKey: "last-unit" })),
      );
      expect(racing.every((r) => r.status === "fulfilled")).toBe(true);
      expect(new Set(racing.map((r) => (r as PromiseFulfilledResult<{ holdId: string }>).value.holdId)).size).toBe(1);
      expect(await item("A")).toMatchObject({ reserved: 1 });

      const other = await caught(hold([["B", 4]], { idempotencyKey: "last-unit" }));
      expect(other.code).toBe("conflict");
      expect(await item("B")).toMatchObject({ reserved: 0 });

      const { holdId } = await hold([["B", 1]], { idempotencyKey: "settled" });
      await releaseInventoryHold({ shopId: SHOP, holdId, now: at(1), store });
      const replay = await caught(hold([["B", 1]], { idempotencyKey: "settled", now: at(2) }));
      expect(replay.code).toBe("conflict");
      expect(replay.details).toMatchObject({ holdId, status: "released" });
      await expectReconciled();
    });

    it("refuses malformed ids, keys and text with validation_failed rather than reaching storage", async () => {
      await seed({ A: 5 });
      const attempts = [
        () =>
          createInventoryHold({
            shopId: SHOP,
            requests: [{ sku: "A", variantKey: "size=m\u0000", quantity: 1 }],
            store,
          }),
        () => createInventoryHold({ shopId: SHOP, requests: [{ sku: "A", variantKey: "Size=M", quantity: 1 }], store }),
        () =>
          createInventoryHold({
            shopId: SHOP,
            requests: [{ sku: "A", variantAttributes: { size: "\uD800" }, quantity: 1 }],
            store,
          }),
        () =>
          createInventoryHold({
            shopId: SHOP,
            requests: [{ sku: "A", quantity: 1 }],
            idempotencyKey: "key\u0000",
            store,
          }),
        () => commitInventoryHold({ shopId: SHOP, holdId: "hold\u0000x", store }),
        () => releaseInventoryHold({ shopId: SHOP, holdId: "../../etc", store }),
        () =>
          validateInventoryAvailability(SHOP, [{ sku: "A", variantKey: "\u0000", quantity: 1 }], {
            store: h.stock,
            holds: store,
          }),
        () => h.stock.getItem(SHOP, { sku: "A", variantKey: "b=\uDC00" }),
        () =>
          h.stock.adjustQuantity({
            shopId: SHOP,
            sku: "A",
            variantKey: "",
            delta: 999_999_999,
            reason: "restock",
            actor: "ops",
          }),
        () =>
          createInventoryHold({
            shopId: SHOP,
            requests: [{ sku: "A", quantity: 1 }],
            now: new Date(Number.NaN),
            store,
          }),
      ];
      for (const attempt of attempts) expect((await caught(attempt())).code, String(attempt)).toBe("validation_failed");
      expect(await item("A")).toMatchObject({ quantity: 5, reserved: 0 });
    });

    it("extends an active hold but never past the maximum TTL from creation, and never revives an expired one", async () => {
      await seed({ A: 5 });
      const { holdId } = await hold([["A", 1]], { ttlSeconds: 600 });
      const extended = await extendInventoryHold({ shopId: SHOP, holdId, ttlSeconds: 1200, now: at(300), store });
      expect(extended.expiresAt).toEqual(at(1500));
      const capped = await extendInventoryHold({ shopId: SHOP, holdId, ttlSeconds: 3600, now: at(1400), store });
      expect(capped.expiresAt).toEqual(at(3600));
      expect(
        (await caught(extendInventoryHold({ shopId: SHOP, holdId, ttlSeconds: 5000, now: at(10), store }))).code,
      ).toBe("validation_failed");
      const error = await caught(extendInventoryHold({ shopId: SHOP, holdId, ttlSeconds: 600, now: at(3601), store }));
      expect(error.code).toBe("conflict");
    });

    it("never lets an expired hold block a buyer: read-time expiry in validation and in the hold request", async () => {
      await seed({ A: 2 });
      const stale = await hold([["A", 2]], { ttlSeconds: 60 });
      expect(
        await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 1 }], {
          store: h.stock,
          holds: store,
          now: at(30),
        }),
      ).toMatchObject({ ok: false });
      expect(await getInventoryHold({ shopId: SHOP, holdId: stale.holdId, now: at(61), store })).toMatchObject({
        status: "expired",
      });
      expect(
        await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 2 }], {
          store: h.stock,
          holds: store,
          now: at(61),
        }),
      ).toEqual({ ok: true });
      const fresh = await hold([["A", 2]], { now: at(61) });
      expect(await item("A")).toMatchObject({ quantity: 2, reserved: 2 });
      expect(await getInventoryHold({ shopId: SHOP, holdId: stale.holdId, now: at(61), store })).toMatchObject({
        status: "expired",
        expiredAt: at(61),
      });
      // The expired hold can no longer be committed; the fresh one can.
      expect((await caught(commitInventoryHold({ shopId: SHOP, holdId: stale.holdId, now: at(62), store }))).code).toBe(
        "conflict",
      );
      await commitInventoryHold({ shopId: SHOP, holdId: fresh.holdId, now: at(62), store });
      expect(await item("A")).toMatchObject({ quantity: 0, reserved: 0 });
      await expectReconciled();
    });

    it("reaps expired holds in batches, per shop and for all shops", async () => {
      await seed({ A: 100 });
      await h.stock.upsertItems("shop-z", [{ sku: "A", productId: "a", quantity: 10 }], {
        reason: "import",
        actor: "t",
      });
      for (let i = 0; i < 7; i++) await hold([["A", 1]], { ttlSeconds: 60 });
      const keep = await hold([["A", 1]], { ttlSeconds: 3600 });
      await createInventoryHold({
        shopId: "shop-z",
        requests: [{ sku: "A", quantity: 2 }],
        ttlSeconds: 60,
        now: T0,
        store,
      });
      expect(await releaseExpiredInventoryHolds({ shopId: SHOP, limit: 5, now: at(30), store })).toBe(0);
      expect(await releaseExpiredInventoryHolds({ shopId: SHOP, limit: 5, now: at(61), store })).toBe(5);
      const all = await releaseExpiredHoldsForAllShops({ now: at(61), batchSize: 1, store });
      expect(all.released).toBe(3);
      expect(all.shops).toEqual([
        { shopId: SHOP, released: 2 },
        { shopId: "shop-z", released: 1 },
      ]);
      expect(await item("A")).toMatchObject({ reserved: 1 });
      expect(await getInventoryHold({ shopId: SHOP, holdId: keep.holdId, now: at(61), store })).toMatchObject({
        status: "active",
      });
      await expectReconciled();
    });

    it("two reapers at once release each expired hold exactly once", async () => {
      await seed({ A: 200 });
      for (let i = 0; i < 40; i++) await hold([["A", 1]], { ttlSeconds: 60 });
      const counts = await Promise.all(
        Array.from({ length: 4 }, () =>
          releaseExpiredInventoryHolds({ shopId: SHOP, limit: 1000, now: at(61), store }),
        ),
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
      expect(await item("A")).toMatchObject({ quantity: 200, reserved: 0 });
      await expectReconciled();
    });

    it("a reaper racing a commit of the same hold leaves exactly one outcome", async () => {
      await seed({ A: 100 });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await hold([["A", 1]], { ttlSeconds: 60 })).holdId);
      const results = await Promise.allSettled([
        releaseExpiredInventoryHolds({ shopId: SHOP, limit: 1000, now: at(61), store }),
        ...ids.map((holdId) => commitInventoryHold({ shopId: SHOP, holdId, now: at(61), store })),
      ]);
      const reaped = results[0].status === "fulfilled" ? results[0].value : -1;
      const committed = results.slice(1).filter((r) => r.status === "fulfilled").length;
      for (const r of results.slice(1)) {
        if (r.status === "rejected") expect((r.reason as { code?: string }).code).toBe("conflict");
      }
      expect(reaped + committed).toBe(20);
      expect(await item("A")).toMatchObject({ quantity: 100 - committed, reserved: 0 });
      await expectReconciled();
    });

    it("grants exactly 10 of 500 concurrent single-unit requests on 10 units", async () => {
      await seed({ HOT: 10 });
      const results = await Promise.allSettled(Array.from({ length: 500 }, () => hold([["HOT", 1]])));
      const granted = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r) => r.status === "rejected");
      expect(granted).toHaveLength(10);
      for (const r of refused) expect((r.reason as { code?: string }).code).toBe("inventory_insufficient");
      expect(await item("HOT")).toMatchObject({ quantity: 10, reserved: 10, available: 0 });
      await expectReconciled();
    });

    it("multi-line carts contending in opposite orders never see a deadlock and stay all-or-nothing", async () => {
      await seed({ X: 30, Y: 30, Z: 30 });
      const carts: Array<Array<[string, number]>> = [];
      for (let i = 0; i < 60; i++) {
        carts.push(
          i % 3 === 0
            ? [
                ["X", 1],
                ["Y", 1],
                ["Z", 1],
              ]
            : i % 3 === 1
              ? [
                  ["Z", 1],
                  ["Y", 1],
                  ["X", 1],
                ]
              : [
                  ["Y", 1],
                  ["X", 1],
                ],
        );
      }
      const results = await Promise.allSettled(carts.map((cart) => hold(cart)));
      for (const r of results) {
        if (r.status === "rejected") expect((r.reason as { code?: string }).code).toBe("inventory_insufficient");
      }
      const holds = await store.listHolds({ shopId: SHOP, now: T0, limit: 1000 });
      const units = (sku: string) =>
        holds
          .flatMap((x) => x.items)
          .filter((i) => i.sku === sku)
          .reduce((a, i) => a + i.quantity, 0);
      for (const x of holds) expect(x.items.length).toBeGreaterThanOrEqual(2);
      expect((await item("X")).reserved).toBe(units("X"));
      expect((await item("Y")).reserved).toBe(units("Y"));
      expect((await item("Z")).reserved).toBe(units("Z"));
      expect((await item("Y")).reserved).toBeLessThanOrEqual(30);
      await expectReconciled();
    });

    it("refuses stock edits that would leave quantity below held units", async () => {
      await seed({ A: 5 });
      await hold([["A", 4]]);
      expect(
        (
          await caught(
            h.stock.setQuantity({ shopId: SHOP, ...ref("A"), quantity: 3, reason: "correction", actor: "ops" }),
          )
        ).code,
      ).toBe("conflict");
      expect(
        (await caught(h.stock.adjustQuantity({ shopId: SHOP, ...ref("A"), delta: -2, reason: "damage", actor: "ops" })))
          .code,
      ).toBe("conflict");
      const importError = await caught(
        h.stock.upsertItems(
          SHOP,
          [
            { sku: "A", productId: "a", quantity: 1 },
            { sku: "N", productId: "n", quantity: 1 },
          ],
          { reason: "import", actor: "ops" },
        ),
      );
      expect(importError.code).toBe("conflict");
      expect(importError.details.errors).toEqual([expect.objectContaining({ index: 0, field: "quantity" })]);
      expect(await h.stock.getItem(SHOP, ref("N"))).toBeNull();
      expect(await item("A")).toMatchObject({ quantity: 5, reserved: 4 });
      await h.stock.setQuantity({ shopId: SHOP, ...ref("A"), quantity: 4, reason: "correction", actor: "ops" });
    });

    it("settles payments: committed, already committed, re-sold after a lapse, or oversold with stock untouched", async () => {
      await seed({ A: 3, B: 1 });
      const paid = await hold([["A", 1]]);
      expect(await store.commitPaidHold({ shopId: SHOP, holdId: paid.holdId, actor: "stripe", now: at(1) })).toEqual({
        holdId: paid.holdId,
        outcome: "committed",
      });
      expect(await store.commitPaidHold({ shopId: SHOP, holdId: paid.holdId, actor: "stripe", now: at(2) })).toEqual({
        holdId: paid.holdId,
        outcome: "already_committed",
      });

      const lapsed = await hold([["A", 1]], { ttlSeconds: 60 });
      await releaseExpiredInventoryHolds({ shopId: SHOP, now: at(61), store });
      expect(await store.commitPaidHold({ shopId: SHOP, holdId: lapsed.holdId, actor: "stripe", now: at(62) })).toEqual(
        { holdId: lapsed.holdId, outcome: "recommitted" },
      );
      expect(await item("A")).toMatchObject({ quantity: 1, reserved: 0 });

      const gone = await hold([["B", 1]], { ttlSeconds: 60 });
      const thief = await hold([["B", 1]], { now: at(61) });
      await commitInventoryHold({ shopId: SHOP, holdId: thief.holdId, now: at(62), store });
      const oversold = await store.commitPaidHold({
        shopId: SHOP,
        holdId: gone.holdId,
        actor: "stripe",
        checkoutSessionId: "cs_x",
        now: at(63),
      });
      expect(oversold).toEqual({
        holdId: gone.holdId,
        outcome: "oversold",
        insufficient: [{ sku: "B", variantKey: "", requested: 1, available: 0 }],
      });
      expect(
        (await store.commitPaidHold({ shopId: SHOP, holdId: gone.holdId, actor: "stripe", now: at(64) })).outcome,
      ).toBe("oversold");
      expect(await store.listOversoldSales({ shopId: SHOP })).toEqual([
        expect.objectContaining({ holdId: gone.holdId, checkoutSessionId: "cs_x", resolvedAt: null }),
      ]);
      expect(await item("B")).toMatchObject({ quantity: 0, reserved: 0 });
      await expect(
        store.commitPaidHold({ shopId: SHOP, holdId: "hold_nope", actor: "s", now: at(65) }),
      ).rejects.toMatchObject({ code: "not_found" });
      await expectReconciled();
    });

    it("records a paid sale without a hold once per sale id, or oversold when the stock is gone", async () => {
      await seed({ A: 3 });
      const lines = [{ sku: "A", variantKey: "", quantity: 2 }];
      const sale = { shopId: SHOP, checkoutSessionId: "cs_s", lines, actor: "stripe", now: at(1) };
      expect(await store.recordPaidSale({ ...sale, saleId: "sale_1" })).toEqual({ outcome: "sold" });
      expect(await store.recordPaidSale({ ...sale, saleId: "sale_1" })).toEqual({ outcome: "already_recorded" });
      expect(await item("A")).toMatchObject({ quantity: 1, reserved: 0 });
      const short = await store.recordPaidSale({ ...sale, saleId: "sale_2" });
      expect(short).toEqual({
        outcome: "oversold",
        insufficient: [{ sku: "A", variantKey: "", requested: 2, available: 1 }],
      });
      expect(await item("A")).toMatchObject({ quantity: 1, reserved: 0 });
      const [entry] = await h.stock.listLedger(SHOP, { sku: "A", variantKey: "" });
      expect(entry).toMatchObject({ delta: -2, reason: "sale", holdId: "sale_1" });
      await expectReconciled();
    });

    it("keeps a hold through a delayed payment past the maximum TTL, only while active", async () => {
      await seed({ A: 3 });
      const { holdId } = await hold([["A", 1]], { ttlSeconds: 600 });
      const week = at(7 * 24 * 3600);
      expect(await store.awaitPayment({ shopId: SHOP, holdId, until: week, now: at(10) })).toEqual({
        holdId,
        status: "active",
        changed: true,
      });
      expect(await releaseExpiredInventoryHolds({ shopId: SHOP, now: at(4000), store })).toBe(0);
      expect(await getInventoryHold({ shopId: SHOP, holdId, now: at(4000), store })).toMatchObject({
        status: "active",
        expiresAt: week,
      });
      await releaseInventoryHold({ shopId: SHOP, holdId, now: at(4001), store });
      expect(await store.awaitPayment({ shopId: SHOP, holdId, until: week, now: at(4002) })).toEqual({
        holdId,
        status: "released",
        changed: false,
      });
    });

    it("reconciliation reports drift and repairs it on request", async () => {
      await seed({ A: 10, B: 10 });
      await hold([["A", 3]]);
      await h.corruptReserved(SHOP, ref("A"), 7);
      await h.corruptReserved(SHOP, ref("B"), 1);
      const report = await reconcileInventoryReserved({ store });
      expect(report.repaired).toBe(false);
      expect(report.drift).toEqual([
        { shopId: SHOP, sku: "A", variantKey: "", reserved: 7, expected: 3 },
        { shopId: SHOP, sku: "B", variantKey: "", reserved: 1, expected: 0 },
      ]);
      const repaired = await reconcileInventoryReserved({ store, repair: true });
      expect(repaired).toMatchObject({ repaired: true });
      expect(repaired.drift).toHaveLength(2);
      expect(await item("A")).toMatchObject({ reserved: 3 });
      expect(await item("B")).toMatchObject({ reserved: 0 });
      await expectReconciled();
    });
  });
}
