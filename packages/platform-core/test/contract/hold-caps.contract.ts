import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { isInventoryError } from "../../src/errors/inventory-error.ts";
import { commitInventoryHold } from "../../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../../src/holds/create-inventory-hold.ts";
import { identifyHoldClient } from "../../src/holds/hold-client.ts";
import { DEFAULT_HOLD_POLICY } from "../../src/holds/hold-policy.ts";
import { openInventoryHold } from "../../src/holds/open-inventory-hold.ts";
import { reconcileInventoryReserved } from "../../src/holds/reconcile-reserved.ts";
import { releaseExpiredInventoryHolds } from "../../src/holds/release-expired-inventory-holds.ts";
import { releaseInventoryHold } from "../../src/holds/release-inventory-hold.ts";
import { getShopHoldPolicy, setShopHoldPolicy } from "../../src/holds/shop-hold-policy.ts";
import type { HoldClient, HoldStore } from "../../src/holds/types.ts";
import { listVariantHolders, releaseClientHolds } from "../../src/holds/variant-holders.ts";
import type { InventoryStore } from "../../src/inventory/inventory-store.ts";
import { caught } from "./hold-store.contract.ts";

export interface CapsHarness {
  stock: InventoryStore;
  holds: HoldStore;
  reset(): Promise<void>;
  destroy(): Promise<void>;
}

const SHOP = "shop-caps";
const SECRET = "caps-contract-secret-0123456789abcdef";
const T0 = new Date("2026-12-01T12:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const client = (address: string, buyerId?: string): HoldClient =>
  identifyHoldClient({ address, ...(buyerId ? { buyerId } : {}), secret: SECRET });

/**
 * Purchase limits, caps per client and the unopened-hold lapse, the same on
 * every backend (denial of inventory, OWASP OAT-021).
 */
export function describeHoldCapsContract(backend: string, createHarness: () => Promise<CapsHarness>) {
  describe(`Caps and purchase limits: ${backend}`, () => {
    let h: CapsHarness;
    let store: HoldStore;

    async function seed(stock: Record<string, number | [number, number]>) {
      await h.stock.upsertItems(
        SHOP,
        Object.entries(stock).map(([sku, value]) => ({
          sku,
          productId: sku.toLowerCase(),
          quantity: Array.isArray(value) ? value[0] : value,
          ...(Array.isArray(value) ? { purchaseLimit: value[1] } : {}),
        })),
        { reason: "import", actor: "test" },
      );
    }
    async function available(sku: string) {
      return (await h.stock.getItem(SHOP, { sku, variantKey: "" }))!.available;
    }
    function hold(
      lines: Array<[string, number]>,
      extra: { client?: HoldClient; now?: Date; idempotencyKey?: string; lapseUnopened?: boolean } = {},
    ) {
      return createInventoryHold({
        shopId: SHOP,
        requests: lines.map(([sku, quantity]) => ({ sku, quantity })),
        ttlSeconds: 2100,
        now: extra.now ?? T0,
        store,
        ...(extra.client ? { client: extra.client } : {}),
        ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}),
        ...(extra.lapseUnopened ? { lapseUnopened: true } : {}),
      });
    }
    async function policy(maxActiveHoldsPerClient: number, maxHeldUnitsPerClient: number, unopenedHoldSeconds = 300) {
      await setShopHoldPolicy({
        shopId: SHOP,
        policy: { maxActiveHoldsPerClient, maxHeldUnitsPerClient, unopenedHoldSeconds },
        actor: "ops@test",
        store,
        now: T0,
      });
    }

    beforeEach(async () => {
      if (!h) h = await createHarness();
      else await h.reset();
      store = h.holds;
    });
    afterAll(async () => {
      await h?.destroy();
    });

    it("has the documented defaults until the shop sets a policy, and refuses hostile values changing nothing", async () => {
      expect(await getShopHoldPolicy({ shopId: SHOP, store })).toEqual(DEFAULT_HOLD_POLICY);
      await policy(3, 30, 120);
      expect(await getShopHoldPolicy({ shopId: SHOP, store })).toEqual({
        maxActiveHoldsPerClient: 3,
        maxHeldUnitsPerClient: 30,
        unopenedHoldSeconds: 120,
        isDefault: false,
      });
      for (const hostile of [
        { maxActiveHoldsPerClient: 0, maxHeldUnitsPerClient: 30, unopenedHoldSeconds: 120 },
        { maxActiveHoldsPerClient: 1.5, maxHeldUnitsPerClient: 30, unopenedHoldSeconds: 120 },
        { maxActiveHoldsPerClient: 3, maxHeldUnitsPerClient: -1, unopenedHoldSeconds: 120 },
        { maxActiveHoldsPerClient: 3, maxHeldUnitsPerClient: 30, unopenedHoldSeconds: 59 },
        { maxActiveHoldsPerClient: 3, maxHeldUnitsPerClient: 30, unopenedHoldSeconds: 1e9 },
        { maxActiveHoldsPerClient: "3", maxHeldUnitsPerClient: 30, unopenedHoldSeconds: 120 },
        { maxActiveHoldsPerClient: 3, maxHeldUnitsPerClient: 30 },
        null,
      ]) {
        const error = await caught(setShopHoldPolicy({ shopId: SHOP, policy: hostile, actor: "ops@test", store }));
        expect(error.code).toBe("validation_failed");
        expect(error.status).toBe(400);
      }
      expect(await getShopHoldPolicy({ shopId: SHOP, store })).toMatchObject({
        maxActiveHoldsPerClient: 3,
        maxHeldUnitsPerClient: 30,
        unopenedHoldSeconds: 120,
      });
    });

    it("caps a client's active holds: 429 with the seconds until its first hold lapses, nothing held", async () => {
      await seed({ A: 100 });
      await policy(2, 50);
      const bot = client("203.0.113.7");
      await hold([["A", 1]], { client: bot });
      await hold([["A", 1]], { client: bot, now: at(60) });
      const error = await caught(hold([["A", 1]], { client: bot, now: at(90) }));
      expect(error.code).toBe("rate_limited");
      expect(error.status).toBe(429);
      expect(error.details).toMatchObject({ cap: "holds", limit: 2, client: "address", retryAfterSeconds: 2100 - 90 });
      expect(await available("A")).toBe(98);
      // Another client, and a request naming none, are not capped.
      await hold([["A", 1]], { client: client("198.51.100.1") });
      await hold([["A", 1]]);
      expect(await available("A")).toBe(96);
    });

    it("caps held units, and says a cart alone over the cap can never pass (422, not 429)", async () => {
      await seed({ A: 100, B: 100 });
      await policy(10, 5);
      const buyer = client("203.0.113.7");
      await hold([["A", 3]], { client: buyer });
      const over = await caught(hold([["B", 3]], { client: buyer }));
      expect(over.code).toBe("rate_limited");
      expect(over.details).toMatchObject({ cap: "units", limit: 5 });
      const alone = await caught(hold([["B", 6]], { client: client("198.51.100.1") }));
      expect(alone.code).toBe("purchase_limit_exceeded");
      expect(alone.status).toBe(422);
      expect(alone.details).toEqual({ cap: "units", limit: 5 });
      expect(await available("B")).toBe(100);
    });

    it("counts a client by address and by buyer cookie: a new address does not escape a buyer's cap, nor a new cookie an address's", async () => {
      await seed({ A: 100 });
      await policy(1, 50);
      await hold([["A", 1]], { client: client("203.0.113.7", "buyer-1") });
      const sameBuyer = await caught(hold([["A", 1]], { client: client("198.51.100.1", "buyer-1") }));
      expect(sameBuyer.details).toMatchObject({ cap: "holds", client: "buyer" });
      const sameAddress = await caught(hold([["A", 1]], { client: client("203.0.113.7", "buyer-2") }));
      expect(sameAddress.details).toMatchObject({ cap: "holds", client: "address" });
      // An IPv6 client is its /64.
      await hold([["A", 1]], { client: client("2001:db8:1:2::1") });
      expect((await caught(hold([["A", 1]], { client: client("2001:db8:1:2:ffff::9") }))).code).toBe("rate_limited");
      expect(await available("A")).toBe(98);
    });

    it("never counts a retried cart twice: one idempotency key is one hold, replayed at the cap", async () => {
      await seed({ A: 10 });
      await policy(1, 2);
      const buyer = client("203.0.113.7");
      const first = await hold([["A", 2]], { client: buyer, idempotencyKey: "cart-1" });
      for (let i = 0; i < 3; i++) {
        const again = await hold([["A", 2]], { client: buyer, idempotencyKey: "cart-1", now: at(i + 1) });
        expect(again).toMatchObject({ holdId: first.holdId, created: false });
      }
      expect(await available("A")).toBe(8);
    });

    it("holds a cap under concurrency: of 40 parallel requests from one client, exactly the cap's worth is held", async () => {
      await seed({ A: 100, B: 100 });
      await policy(3, 100);
      const bot = client("203.0.113.7");
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => hold([[i % 2 === 0 ? "A" : "B", 1]], { client: bot })),
      );
      const granted = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(granted).toHaveLength(3);
      expect(refused.every((r) => isInventoryError(r.reason, "rate_limited"))).toBe(true);
      expect((await available("A")) + (await available("B"))).toBe(197);
      expect((await reconcileInventoryReserved({ store })).drift).toEqual([]);
    });

    it("limits a variant per checkout and per buyer, counting what the buyer holds and bought", async () => {
      await seed({ DROP: [100, 2], FREE: 100 });
      const perCheckout = await caught(
        hold([
          ["DROP", 3],
          ["FREE", 1],
        ]),
      );
      expect(perCheckout.code).toBe("purchase_limit_exceeded");
      expect(perCheckout.status).toBe(422);
      expect(perCheckout.details.lines).toEqual([
        { sku: "DROP", variantKey: "", requested: 3, limit: 2, alreadyHeld: 0 },
      ]);
      expect(perCheckout.message).toMatch(/DROP is limited to 2 per customer/);

      const buyer = client("203.0.113.7", "buyer-1");
      const first = await hold([["DROP", 2]], { client: buyer });
      const more = await caught(hold([["DROP", 1]], { client: buyer }));
      expect(more.details.lines).toEqual([{ sku: "DROP", variantKey: "", requested: 1, limit: 2, alreadyHeld: 2 }]);
      // Bought counts too: after the sale the buyer still has had their two.
      await commitInventoryHold({ shopId: SHOP, holdId: first.holdId, store, now: at(10) });
      expect((await caught(hold([["DROP", 1]], { client: client("198.51.100.1", "buyer-1"), now: at(20) }))).code).toBe(
        "purchase_limit_exceeded",
      );
      // A released hold gives the allowance back.
      const other = client("198.51.100.2");
      const released = await hold([["DROP", 2]], { client: other });
      await releaseInventoryHold({ shopId: SHOP, holdId: released.holdId, store, now: at(30) });
      await hold([["DROP", 2]], { client: other, now: at(40) });
      expect(await available("DROP")).toBe(96);
      expect(await available("FREE")).toBe(100);
    });

    it("lapses a checkout's hold after the unopened-hold time, and gives the full term once its page is opened", async () => {
      await seed({ A: 10 });
      await policy(10, 100, 120);
      const opened = await hold([["A", 1]], { lapseUnopened: true });
      expect(opened.expiresAt).toEqual(at(120));
      expect(opened.openExpiresAt).toEqual(at(2100));
      const unopened = await hold([["A", 2]], { lapseUnopened: true });
      const view = await openInventoryHold({ shopId: SHOP, holdId: opened.holdId, now: at(60), store });
      expect(view).toMatchObject({ status: "active", expiresAt: at(2100), openedAt: at(60) });
      // Opening again changes nothing.
      expect((await openInventoryHold({ shopId: SHOP, holdId: opened.holdId, now: at(90), store })).openedAt).toEqual(
        at(60),
      );
      expect(await releaseExpiredInventoryHolds({ shopId: SHOP, now: at(121), store })).toBe(1);
      expect(await available("A")).toBe(9);
      const late = await caught(openInventoryHold({ shopId: SHOP, holdId: unopened.holdId, now: at(130), store }));
      expect(late.code).toBe("conflict");
      expect(late.details).toMatchObject({ status: "expired" });
      // A replay answers with the same full term.
      const keyed = await hold([["A", 1]], { lapseUnopened: true, idempotencyKey: "k", now: at(200) });
      expect(await hold([["A", 1]], { lapseUnopened: true, idempotencyKey: "k", now: at(201) })).toMatchObject({
        holdId: keyed.holdId,
        openExpiresAt: at(2300),
      });
    });

    it("lists a variant's top holders and releases one client's holds, written to the ledger as the operator's", async () => {
      await seed({ A: 100, B: 100 });
      const bot = client("203.0.113.7", "bot");
      const buyer = client("198.51.100.1", "buyer");
      await hold([["A", 5]], { client: bot });
      await hold(
        [
          ["A", 4],
          ["B", 1],
        ],
        { client: bot, now: at(30) },
      );
      await hold([["A", 1]], { client: buyer, now: at(60) });
      const holders = await listVariantHolders({ shopId: SHOP, sku: "A", now: at(90), store });
      expect(holders.map((x) => [x.client, x.key, x.holds, x.units])).toEqual([
        ["address", bot.address, 2, 9],
        ["buyer", bot.buyer, 2, 9],
        ["address", buyer.address, 1, 1],
        ["buyer", buyer.buyer, 1, 1],
      ]);
      expect(holders[0]!.since).toEqual(T0);

      const released = await releaseClientHolds({
        shopId: SHOP,
        client: "address",
        key: bot.address,
        actor: "ops@test",
        now: at(100),
        store,
      });
      expect(released).toMatchObject({ units: 10 });
      expect(released.holdIds).toHaveLength(2);
      expect(await available("A")).toBe(99);
      expect(await available("B")).toBe(100);
      const ledger = (await h.stock.listLedger(SHOP)).filter((entry) => entry.reason === "hold_release");
      expect(ledger.map((entry) => [entry.sku, entry.delta, entry.actor])).toEqual(
        expect.arrayContaining([
          ["A", 0, "ops@test"],
          ["A", 0, "ops@test"],
          ["B", 0, "ops@test"],
        ]),
      );
      expect(ledger).toHaveLength(3);
      expect(ledger.map((entry) => entry.note).sort()).toEqual([
        "released 1 held of one address (top holders in the CMS)",
        "released 4 held of one address (top holders in the CMS)",
        "released 5 held of one address (top holders in the CMS)",
      ]);
      expect(
        await releaseClientHolds({
          shopId: SHOP,
          client: "address",
          key: bot.address,
          actor: "ops@test",
          now: at(110),
          store,
        }),
      ).toEqual({ holdIds: [], units: 0 });
      for (const hostile of [
        { client: "ip", key: bot.address },
        { client: "address", key: "'; DROP TABLE" },
        { client: "buyer", key: "" },
      ]) {
        expect((await caught(releaseClientHolds({ shopId: SHOP, ...hostile, actor: "ops@test", store }))).code).toBe(
          "validation_failed",
        );
      }
      expect((await reconcileInventoryReserved({ store })).drift).toEqual([]);
    });
  });
}
