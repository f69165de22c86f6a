import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleInventoryAuthorityRequest } from "../src/authority/handle-inventory-authority-request.ts";
import { commitInventoryHold, commitPaidInventoryHold } from "../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { getInventoryHold } from "../src/holds/get-inventory-hold.ts";
import { createJsonHoldStore } from "../src/holds/json-hold-store.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { recordPaidInventorySale } from "../src/holds/record-paid-inventory-sale.ts";
import { releaseExpiredInventoryHolds } from "../src/holds/release-expired-inventory-holds.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import type { HoldStore, InventoryHoldView } from "../src/holds/types.ts";
import { createJsonInventoryStore } from "../src/inventory/json-inventory-store.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createJsonLocationStore } from "../src/locations/json-location-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import type { LocationStore } from "../src/locations/types.ts";
import { validateInventoryAvailability } from "../src/validation/validate-inventory-availability.ts";
import { caught } from "./contract/hold-store.contract.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Stock at several locations of one shop, through the public stores on PostgreSQL: where holds allocate, what
// commit, release and expiry move, transfers, online toggles and edits at a location. After every test each
// location's books balance (see expectBooksBalance).

const SHOP = "shop-loc";
const T0 = new Date("2026-11-24T12:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ref = (sku: string) => ({ sku, variantKey: "" });

let db: TestDatabase;
let stock: InventoryStore;
let holds: HoldStore;
let locations: LocationStore;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 8 });
  stock = createPrismaInventoryStore(db);
  holds = createPrismaHoldStore(db);
  locations = createPrismaLocationStore(db);
});
beforeEach(async () => {
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "OversoldSale", "ProcessedWebhookEvent" RESTART IDENTITY`,
  );
});
afterEach(async () => {
  await expectBooksBalance(SHOP);
});
afterAll(async () => {
  await db?.destroy();
});

interface LocationSpec {
  code: string;
  priority: number;
  kind?: "warehouse" | "store";
  fulfilsOnline?: boolean;
}

/** The shop's locations (main keeps priority 100 unless given) and its stock per sku and location. */
async function seed(spec: { locations: LocationSpec[]; stock: Record<string, Record<string, number>> }) {
  for (const location of spec.locations) {
    if (location.code === "main") continue;
    await locations.createLocation({
      shopId: SHOP,
      code: location.code,
      name: location.code,
      priority: location.priority,
      kind: location.kind ?? "warehouse",
      fulfilsOnline: location.fulfilsOnline ?? true,
      actor: "test",
    });
  }
  const main = spec.locations.find((l) => l.code === "main");
  if (main && main.priority !== 100) {
    await locations.updateLocation({ shopId: SHOP, code: "main", priority: main.priority, actor: "test" });
  }
  await stock.upsertItems(
    SHOP,
    Object.entries(spec.stock).flatMap(([sku, at]) =>
      Object.entries(at).map(([location, quantity]) => ({ sku, productId: sku.toLowerCase(), quantity, location })),
    ),
    { reason: "import", actor: "test" },
  );
}

/** Quantity, reserved and incoming of one sku at each location that has a level. */
async function levelsOf(sku: string): Promise<Record<string, [number, number, number]>> {
  const rows = await locations.listLevels(SHOP, { refs: [ref(sku)] });
  return Object.fromEntries(rows.map((row) => [row.location, [row.quantity, row.reserved, row.incoming]]));
}

async function item(sku: string) {
  const found = await stock.getItem(SHOP, ref(sku));
  return { quantity: found!.quantity, reserved: found!.reserved };
}

function hold(
  lines: Array<[string, number]>,
  extra: { now?: Date; ttlSeconds?: number; idempotencyKey?: string } = {},
) {
  return createInventoryHold({
    shopId: SHOP,
    requests: lines.map(([sku, quantity]) => ({ sku, quantity })),
    ttlSeconds: extra.ttlSeconds ?? 600,
    now: extra.now ?? T0,
    store: holds,
    ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}),
  });
}

/** Where each line of a hold is reserved (or was sold from): sku -> location -> units. */
async function allocation(holdId: string, now = T0): Promise<Record<string, Record<string, number>>> {
  const view = (await getInventoryHold({ shopId: SHOP, holdId, now, store: holds }))!;
  return allocationOf(view);
}

function allocationOf(view: InventoryHoldView): Record<string, Record<string, number>> {
  return Object.fromEntries(
    view.items.map((line) => [line.sku, Object.fromEntries(line.locations.map((l) => [l.location, l.quantity]))]),
  );
}

async function ledgerAt(sku: string, location: string) {
  const entries = await stock.listLedger(SHOP, { sku, variantKey: "", location, limit: 1000 });
  return entries.map((e) => ({ reason: e.reason, delta: e.delta, quantityAfter: e.quantityAfter, holdId: e.holdId }));
}

/**
 * Every location's books: quantity >= reserved >= 0, reserved = the active hold lines there, the ledger replays to
 * quantity (and its newest entry names it); the shop's row holds the online sums; reconcile finds nothing.
 */
async function expectBooksBalance(shopId: string) {
  expect((await locations.reconcile()).drift).toEqual([]);
  const levels = await locations.listLevels(shopId);
  const online = new Set((await locations.listLocations(shopId)).filter((l) => l.online).map((l) => l.code));
  // The stored status: nothing has lapsed at the epoch, so every hold still holding units lists as active.
  const active = await holds.listHolds({ shopId, status: "active", limit: 1000, now: new Date(0) });
  const heldAt = new Map<string, number>();
  for (const view of active) {
    for (const line of view.items) {
      for (const part of line.locations) {
        const key = `${line.sku}/${line.variantKey}/${part.location}`;
        heldAt.set(key, (heldAt.get(key) ?? 0) + part.quantity);
      }
    }
  }
  const totals = new Map<string, { quantity: number; reserved: number }>();
  for (const level of levels) {
    const key = `${level.sku}/${level.variantKey}/${level.location}`;
    expect(level.reserved, key).toBeGreaterThanOrEqual(0);
    expect(level.quantity, key).toBeGreaterThanOrEqual(level.reserved);
    expect(level.incoming, key).toBeGreaterThanOrEqual(0);
    expect(level.reserved, key).toBe(heldAt.get(key) ?? 0);
    heldAt.delete(key);
    const ledger = await stock.listLedger(shopId, {
      sku: level.sku,
      variantKey: level.variantKey,
      location: level.location,
      limit: 1000,
    });
    expect(
      ledger.reduce((sum, e) => sum + e.delta, 0),
      key,
    ).toBe(level.quantity);
    if (ledger.length > 0) expect(ledger[0]!.quantityAfter, key).toBe(level.quantity);
    const total = totals.get(`${level.sku}/${level.variantKey}`) ?? { quantity: 0, reserved: 0 };
    if (online.has(level.location)) total.quantity += level.quantity;
    total.reserved += level.reserved;
    totals.set(`${level.sku}/${level.variantKey}`, total);
  }
  expect([...heldAt.keys()], "hold lines at locations without a level").toEqual([]);
  for (const row of await stock.listItems(shopId)) {
    expect({ quantity: row.quantity, reserved: row.reserved }, row.sku).toEqual(
      totals.get(`${row.sku}/${row.variantKey}`) ?? { quantity: 0, reserved: 0 },
    );
  }
}

describe("allocation", () => {
  it("takes a cart one location covers from that one, and of several that do, the best priority", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
        { code: "west", priority: 20 },
      ],
      stock: { A: { main: 5, east: 5, west: 5 }, B: { main: 5, east: 1, west: 5 } },
    });
    expect(await item("A")).toEqual({ quantity: 15, reserved: 0 });
    const first = await hold([["A", 3]]);
    expect(await allocation(first.holdId)).toEqual({ A: { east: 3 } });
    // East has one B: the cart goes to west, the best priority that has all of it.
    const second = await hold([
      ["A", 2],
      ["B", 2],
    ]);
    expect(await allocation(second.holdId)).toEqual({ A: { west: 2 }, B: { west: 2 } });
    expect(await levelsOf("A")).toEqual({ main: [5, 0, 0], east: [5, 3, 0], west: [5, 2, 0] });
    expect(await item("A")).toEqual({ quantity: 15, reserved: 5 });
  });

  it("prefers fewer locations over priority: a cart one location has whole is not spread over better ones", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
        { code: "west", priority: 50 },
      ],
      stock: { A: { main: 0, east: 2, west: 5 }, B: { main: 0, east: 0, west: 5 } },
    });
    const held = await hold([
      ["A", 2],
      ["B", 1],
    ]);
    expect(await allocation(held.holdId)).toEqual({ A: { west: 2 }, B: { west: 1 } });
    expect(await levelsOf("A")).toEqual({ east: [2, 0, 0], west: [5, 2, 0] });
  });

  it("splits a line across locations when no single one has enough, best priority first", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
        { code: "west", priority: 20 },
      ],
      stock: { A: { main: 1, east: 3, west: 4 } },
    });
    const held = await hold([["A", 6]]);
    expect(await allocation(held.holdId)).toEqual({ A: { east: 3, west: 3 } });
    const view = (await getInventoryHold({ shopId: SHOP, holdId: held.holdId, now: T0, store: holds }))!;
    expect(view.items).toMatchObject([{ sku: "A", quantity: 6 }]);
    expect(await levelsOf("A")).toEqual({ main: [1, 0, 0], east: [3, 3, 0], west: [4, 3, 0] });
    // What is left (main 1, west 1) is still sold, split again.
    const rest = await hold([["A", 2]]);
    expect(await allocation(rest.holdId)).toEqual({ A: { main: 1, west: 1 } });
    const error = await caught(hold([["A", 1]]));
    expect(error.code).toBe("inventory_insufficient");
    expect(error.details.items).toEqual([{ sku: "A", variantKey: "", requested: 1, available: 0 }]);
  });

  it("with the priority strategy, takes every line from the best locations first, however many that makes", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
        { code: "west", priority: 50 },
      ],
      stock: { A: { main: 0, east: 2, west: 5 }, B: { main: 0, east: 0, west: 5 } },
    });
    expect(await locations.getAllocationStrategy(SHOP)).toBe("fewest_locations");
    await locations.setAllocationStrategy({ shopId: SHOP, strategy: "priority", actor: "test" });
    expect(await locations.getAllocationStrategy(SHOP)).toBe("priority");
    const held = await hold([
      ["A", 3],
      ["B", 1],
    ]);
    expect(await allocation(held.holdId)).toEqual({ A: { east: 2, west: 1 }, B: { west: 1 } });
    const error = await caught(
      locations.setAllocationStrategy({ shopId: SHOP, strategy: "nearest" as never, actor: "t" }),
    );
    expect(error.code).toBe("validation_failed");
  });

  it("never allocates from a store that does not fulfil online orders, nor counts it online", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "shop-floor", priority: 0, kind: "store", fulfilsOnline: false },
      ],
      stock: { A: { main: 2, "shop-floor": 50 } },
    });
    expect(await item("A")).toEqual({ quantity: 2, reserved: 0 });
    const held = await hold([["A", 2]]);
    expect(await allocation(held.holdId)).toEqual({ A: { main: 2 } });
    const error = await caught(hold([["A", 1]]));
    expect(error.details.items).toEqual([{ sku: "A", variantKey: "", requested: 1, available: 0 }]);
    expect(await levelsOf("A")).toEqual({ main: [2, 2, 0], "shop-floor": [50, 0, 0] });
  });
});

describe("allocation across many locations", () => {
  async function manyLocations(count: number) {
    const codes = Array.from({ length: count }, (_, i) => `w${String(i).padStart(2, "0")}`);
    await seed({
      locations: [{ code: "main", priority: 100 }, ...codes.map((code, i) => ({ code, priority: i }))],
      // One unit at each, five at the worst-placed warehouse.
      stock: { A: Object.fromEntries(codes.map((code, i) => [code, i === count - 1 ? 5 : 1])) },
    });
    await stock.setQuantity({ shopId: SHOP, ...ref("A"), quantity: 0, reason: "edit", actor: "t" });
    return codes;
  }

  it("finds the one location that has the cart among twelve online", async () => {
    // Main holds nothing; eleven warehouses hold one each, the twelfth five.
    const codes = await manyLocations(11);
    const held = await hold([["A", 4]]);
    expect(await allocation(held.holdId)).toEqual({ A: { [codes.at(-1)!]: 4 } });
    const next = await hold([["A", 3]]);
    // One unit left everywhere: the three best.
    expect(await allocation(next.holdId)).toEqual({ A: { w00: 1, w01: 1, w02: 1 } });
  });

  it("beyond twelve online locations, takes them in priority order", async () => {
    // Fourteen online: main and thirteen warehouses.
    const codes = await manyLocations(13);
    const held = await hold([["A", 4]]);
    expect(await allocation(held.holdId)).toEqual({ A: { w00: 1, w01: 1, w02: 1, w03: 1 } });
    expect(codes).toHaveLength(13);
  });
});

describe("settling holds at their locations", () => {
  const twoWarehouses = {
    locations: [
      { code: "main", priority: 100 },
      { code: "east", priority: 10 },
      { code: "west", priority: 20 },
    ],
    stock: { A: { main: 0, east: 3, west: 4 }, B: { main: 2, east: 0, west: 0 } },
  };

  it("commit sells from exactly the recorded locations, a sale ledger entry at each", async () => {
    await seed(twoWarehouses);
    const held = await hold([
      ["A", 6],
      ["B", 1],
    ]);
    expect(await allocation(held.holdId)).toEqual({ A: { east: 3, west: 3 }, B: { main: 1 } });
    expect(await commitInventoryHold({ shopId: SHOP, holdId: held.holdId, now: at(10), store: holds })).toMatchObject({
      changed: true,
      status: "committed",
    });
    expect(await levelsOf("A")).toEqual({ east: [0, 0, 0], west: [1, 0, 0] });
    expect(await levelsOf("B")).toEqual({ main: [1, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 1, reserved: 0 });
    expect((await ledgerAt("A", "east"))[0]).toEqual({
      reason: "sale",
      delta: -3,
      quantityAfter: 0,
      holdId: held.holdId,
    });
    expect((await ledgerAt("A", "west"))[0]).toEqual({
      reason: "sale",
      delta: -3,
      quantityAfter: 1,
      holdId: held.holdId,
    });
    expect((await ledgerAt("B", "main"))[0]).toEqual({
      reason: "sale",
      delta: -1,
      quantityAfter: 1,
      holdId: held.holdId,
    });
    expect(await ledgerAt("A", "main")).toEqual([]);
    // The committed hold still says where its units came from; committing again changes nothing.
    expect(await allocation(held.holdId, at(10))).toEqual({ A: { east: 3, west: 3 }, B: { main: 1 } });
    expect(await commitInventoryHold({ shopId: SHOP, holdId: held.holdId, now: at(11), store: holds })).toMatchObject({
      changed: false,
    });
    expect(await levelsOf("A")).toEqual({ east: [0, 0, 0], west: [1, 0, 0] });
  });

  it("release and expiry give the units back to the locations they were reserved at", async () => {
    await seed(twoWarehouses);
    const released = await hold([["A", 5]]);
    expect(await allocation(released.holdId)).toEqual({ A: { east: 3, west: 2 } });
    await releaseInventoryHold({ shopId: SHOP, holdId: released.holdId, now: at(5), store: holds });
    expect(await levelsOf("A")).toEqual({ east: [3, 0, 0], west: [4, 0, 0] });
    // Release after release, and commit after release, change nothing.
    await releaseInventoryHold({ shopId: SHOP, holdId: released.holdId, now: at(6), store: holds });
    expect(
      (await caught(commitInventoryHold({ shopId: SHOP, holdId: released.holdId, now: at(6), store: holds }))).code,
    ).toBe("conflict");

    const lapsing = await hold([["A", 7]], { ttlSeconds: 60 });
    expect(await allocation(lapsing.holdId)).toEqual({ A: { east: 3, west: 4 } });
    expect(await releaseExpiredInventoryHolds({ shopId: SHOP, now: at(59), store: holds })).toBe(0);
    expect(await releaseExpiredInventoryHolds({ shopId: SHOP, now: at(61), store: holds })).toBe(1);
    expect(await levelsOf("A")).toEqual({ east: [3, 0, 0], west: [4, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 7, reserved: 0 });
    // Nothing was sold: the ledger at each location has only the import.
    expect((await ledgerAt("A", "east")).map((e) => e.reason)).toEqual(["import"]);
    expect((await ledgerAt("A", "west")).map((e) => e.reason)).toEqual(["import"]);
  });

  it("a lapsed hold never blocks, at any location: the next buyer gets its units, and validation counts them", async () => {
    await seed(twoWarehouses);
    const lapsed = await hold([["A", 7]], { ttlSeconds: 60 });
    expect(await allocation(lapsed.holdId)).toEqual({ A: { east: 3, west: 4 } });
    expect(
      await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 1 }], { store: stock, holds, now: at(30) }),
    ).toEqual({
      ok: false,
      insufficient: [{ sku: "A", variantKey: "", requested: 1, available: 0 }],
    });
    expect(
      await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 7 }], { store: stock, holds, now: at(61) }),
    ).toEqual({
      ok: true,
    });
    // No reaper ran: the request itself expires the lapsed hold and takes its units at both locations.
    const next = await hold([["A", 7]], { now: at(61) });
    expect(await allocation(next.holdId, at(61))).toEqual({ A: { east: 3, west: 4 } });
    expect((await getInventoryHold({ shopId: SHOP, holdId: lapsed.holdId, now: at(61), store: holds }))!.status).toBe(
      "expired",
    );
    expect(await levelsOf("A")).toEqual({ east: [3, 3, 0], west: [4, 4, 0] });
  });

  it("an idempotent replay answers with the same hold and the same allocation, reserving nothing more", async () => {
    await seed(twoWarehouses);
    const first = await hold([["A", 5]], { idempotencyKey: "cart-1" });
    const again = await hold([["A", 5]], { idempotencyKey: "cart-1", now: at(5) });
    expect(again).toMatchObject({ holdId: first.holdId, created: false });
    expect(await allocation(first.holdId)).toEqual({ A: { east: 3, west: 2 } });
    expect(await levelsOf("A")).toEqual({ east: [3, 3, 0], west: [4, 2, 0] });
    expect((await caught(hold([["A", 4]], { idempotencyKey: "cart-1" }))).code).toBe("conflict");
  });

  it("a payment after the hold lapsed allocates again from what is free now, and the hold records where", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
        { code: "west", priority: 20 },
      ],
      stock: { A: { main: 0, east: 2, west: 5 } },
    });
    const lapsed = await hold([["A", 2]], { ttlSeconds: 60 });
    expect(await allocation(lapsed.holdId)).toEqual({ A: { east: 2 } });
    // After the lapse another buyer takes east's units.
    const other = await hold([["A", 2]], { now: at(61) });
    expect(await allocation(other.holdId, at(61))).toEqual({ A: { east: 2 } });
    const paid = await commitPaidInventoryHold({
      shopId: SHOP,
      holdId: lapsed.holdId,
      checkoutSessionId: "cs_test_late",
      actor: "stripe",
      now: at(70),
      store: holds,
    });
    expect(paid.outcome).toBe("recommitted");
    const view = (await getInventoryHold({ shopId: SHOP, holdId: lapsed.holdId, now: at(70), store: holds }))!;
    expect(view.status).toBe("committed");
    expect(allocationOf(view)).toEqual({ A: { west: 2 } });
    expect(await levelsOf("A")).toEqual({ east: [2, 2, 0], west: [3, 0, 0] });
    expect((await ledgerAt("A", "west"))[0]).toMatchObject({
      reason: "sale",
      delta: -2,
      quantityAfter: 3,
      holdId: lapsed.holdId,
    });
    expect((await ledgerAt("A", "east")).map((e) => e.reason)).toEqual(["import"]);
    // The same payment again changes nothing.
    expect(
      (
        await commitPaidInventoryHold({
          shopId: SHOP,
          holdId: lapsed.holdId,
          checkoutSessionId: "cs_test_late",
          actor: "stripe",
          now: at(80),
          store: holds,
        })
      ).outcome,
    ).toBe("already_committed");
    expect(await levelsOf("A")).toEqual({ east: [2, 2, 0], west: [3, 0, 0] });
  });

  it("a paid sale that held nothing is allocated like a hold, split when it must be, once per session", async () => {
    await seed(twoWarehouses);
    const sold = await recordPaidInventorySale({
      shopId: SHOP,
      checkoutSessionId: "cs_test_validate_only",
      lines: [
        { sku: "A", variantKey: "", quantity: 5 },
        { sku: "B", variantKey: "", quantity: 1 },
      ],
      actor: "stripe",
      now: at(1),
      store: holds,
    });
    expect(sold.outcome).toBe("sold");
    const view = (await getInventoryHold({
      shopId: SHOP,
      holdId: "sale_cs_test_validate_only",
      now: at(1),
      store: holds,
    }))!;
    expect(view.status).toBe("committed");
    expect(allocationOf(view)).toEqual({ A: { east: 3, west: 2 }, B: { main: 1 } });
    expect(await levelsOf("A")).toEqual({ east: [0, 0, 0], west: [2, 0, 0] });
    expect(await levelsOf("B")).toEqual({ main: [1, 0, 0] });
    expect((await ledgerAt("A", "east"))[0]).toMatchObject({ reason: "sale", delta: -3, quantityAfter: 0 });
    expect((await ledgerAt("A", "west"))[0]).toMatchObject({ reason: "sale", delta: -2, quantityAfter: 2 });
    const again = await recordPaidInventorySale({
      shopId: SHOP,
      checkoutSessionId: "cs_test_validate_only",
      lines: [{ sku: "A", variantKey: "", quantity: 5 }],
      actor: "stripe",
      now: at(2),
      store: holds,
    });
    expect(again.outcome).toBe("already_recorded");
    // More than the shop has online: oversold, no location touched.
    const oversold = await recordPaidInventorySale({
      shopId: SHOP,
      checkoutSessionId: "cs_test_too_many",
      lines: [{ sku: "A", variantKey: "", quantity: 3 }],
      actor: "stripe",
      now: at(3),
      store: holds,
    });
    expect(oversold).toMatchObject({ outcome: "oversold", insufficient: [{ sku: "A", requested: 3, available: 2 }] });
    expect(await levelsOf("A")).toEqual({ east: [0, 0, 0], west: [2, 0, 0] });
  });

  it("a paid sale naming a variant twice sells the sum once, from the locations allocated for it", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
      ],
      stock: { A: { main: 3, east: 3 } },
    });
    const sold = await recordPaidInventorySale({
      shopId: SHOP,
      checkoutSessionId: "cs_test_twice",
      lines: [
        { sku: "A", variantKey: "", quantity: 2 },
        { sku: "A", variantKey: "", quantity: 2 },
      ],
      actor: "stripe",
      now: at(1),
      store: holds,
    });
    expect(sold.outcome).toBe("sold");
    const view = (await getInventoryHold({ shopId: SHOP, holdId: "sale_cs_test_twice", now: at(1), store: holds }))!;
    expect(allocationOf(view)).toEqual({ A: { east: 3, main: 1 } });
    expect(await levelsOf("A")).toEqual({ main: [2, 0, 0], east: [0, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 2, reserved: 0 });
    // Twice 2 is more than the 2 left: oversold as one line, nothing touched.
    const oversold = await recordPaidInventorySale({
      shopId: SHOP,
      checkoutSessionId: "cs_test_twice_more",
      lines: [
        { sku: "A", variantKey: "", quantity: 2 },
        { sku: "A", variantKey: "", quantity: 2 },
      ],
      actor: "stripe",
      now: at(2),
      store: holds,
    });
    expect(oversold).toMatchObject({ outcome: "oversold", insufficient: [{ sku: "A", requested: 4, available: 2 }] });
    expect(await levelsOf("A")).toEqual({ main: [2, 0, 0], east: [0, 0, 0] });
  });
});

describe("transfers", () => {
  const shopWithStore = {
    locations: [
      { code: "main", priority: 100 },
      { code: "east", priority: 10 },
      { code: "shop-floor", priority: 0, kind: "store" as const, fulfilsOnline: false },
    ],
    stock: { A: { main: 10, east: 0 }, B: { main: 4 } },
  };

  it("moves stock at once: out of one location, into the other, a ledger entry on each side", async () => {
    await seed(shopWithStore);
    const transfer = await locations.createTransfer({
      shopId: SHOP,
      transferId: "tr-1",
      from: "main",
      to: "shop-floor",
      lines: [
        { sku: "A", variantKey: "", quantity: 4 },
        { sku: "B", variantKey: "", quantity: 1 },
      ],
      actor: "ops@example.test",
    });
    expect(transfer).toMatchObject({
      id: "tr-1",
      status: "received",
      from: "main",
      to: "shop-floor",
      receivedBy: "ops@example.test",
    });
    expect(await levelsOf("A")).toEqual({ main: [6, 0, 0], "shop-floor": [4, 0, 0] });
    // The store does not sell online: the shop's online total lost the units.
    expect(await item("A")).toEqual({ quantity: 6, reserved: 0 });
    expect((await ledgerAt("A", "main"))[0]).toEqual({
      reason: "transfer_out",
      delta: -4,
      quantityAfter: 6,
      holdId: null,
    });
    expect(await ledgerAt("A", "shop-floor")).toEqual([
      { reason: "transfer_in", delta: 4, quantityAfter: 4, holdId: null },
    ]);
    // The same id and request again is the same transfer; the same id for other lines is refused.
    const replay = await locations.createTransfer({
      shopId: SHOP,
      transferId: "tr-1",
      from: "main",
      to: "shop-floor",
      lines: [
        { sku: "A", variantKey: "", quantity: 4 },
        { sku: "B", variantKey: "", quantity: 1 },
      ],
      actor: "ops@example.test",
    });
    expect(replay.id).toBe("tr-1");
    const reused = await caught(
      locations.createTransfer({
        shopId: SHOP,
        transferId: "tr-1",
        from: "main",
        to: "shop-floor",
        lines: [{ sku: "A", variantKey: "", quantity: 1 }],
        actor: "ops@example.test",
      }),
    );
    expect(reused.code).toBe("conflict");
    expect(await levelsOf("A")).toEqual({ main: [6, 0, 0], "shop-floor": [4, 0, 0] });
    // Between two online locations the shop's total does not move.
    await locations.createTransfer({
      shopId: SHOP,
      from: "main",
      to: "east",
      lines: [{ sku: "A", variantKey: "", quantity: 2 }],
      actor: "ops",
    });
    expect(await levelsOf("A")).toEqual({ main: [4, 0, 0], east: [2, 0, 0], "shop-floor": [4, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 6, reserved: 0 });
  });

  it("in transit: leaves the source at once, shows as incoming, arrives when received, once", async () => {
    await seed(shopWithStore);
    const sent = await locations.createTransfer({
      shopId: SHOP,
      transferId: "tr-road",
      from: "main",
      to: "east",
      lines: [{ sku: "A", variantKey: "", quantity: 3 }],
      inTransit: true,
      actor: "ops",
      note: "by van",
    });
    expect(sent).toMatchObject({ status: "in_transit", receivedAt: null, receivedBy: null, note: "by van" });
    expect(await levelsOf("A")).toEqual({ main: [7, 0, 0], east: [0, 0, 3] });
    // On the road the units are in no online location: the shop sells 7.
    expect(await item("A")).toEqual({ quantity: 7, reserved: 0 });
    expect((await caught(hold([["A", 8]]))).code).toBe("inventory_insufficient");
    expect(await ledgerAt("A", "east")).toEqual([]);
    expect((await locations.listTransfers(SHOP, { status: "in_transit" })).map((t) => t.id)).toEqual(["tr-road"]);

    const received = await locations.receiveTransfer({
      shopId: SHOP,
      transferId: "tr-road",
      actor: "east@example.test",
    });
    expect(received).toMatchObject({ status: "received", receivedBy: "east@example.test" });
    expect(await levelsOf("A")).toEqual({ main: [7, 0, 0], east: [3, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 10, reserved: 0 });
    expect(await ledgerAt("A", "east")).toEqual([{ reason: "transfer_in", delta: 3, quantityAfter: 3, holdId: null }]);

    const twice = await locations.receiveTransfer({ shopId: SHOP, transferId: "tr-road", actor: "someone-else" });
    expect(twice).toMatchObject({ status: "received", receivedBy: "east@example.test" });
    expect(await levelsOf("A")).toEqual({ main: [7, 0, 0], east: [3, 0, 0] });
    expect(await ledgerAt("A", "east")).toHaveLength(1);
    expect(await locations.listTransfers(SHOP, { status: "in_transit" })).toEqual([]);
    expect((await caught(locations.receiveTransfer({ shopId: SHOP, transferId: "tr-none", actor: "x" }))).code).toBe(
      "not_found",
    );
  });

  it("is not blocked by a lapsed hold: the hold expires and its units move", async () => {
    await seed(shopWithStore);
    // Transfers run at the database's time: this hold lapsed a minute ago.
    const lapsed = await hold([["A", 8]], { now: new Date(Date.now() - 120_000), ttlSeconds: 60 });
    expect(await levelsOf("A")).toEqual({ main: [10, 8, 0] });
    await locations.createTransfer({
      shopId: SHOP,
      from: "main",
      to: "shop-floor",
      lines: [{ sku: "A", variantKey: "", quantity: 9 }],
      actor: "ops",
    });
    expect(await levelsOf("A")).toEqual({ main: [1, 0, 0], "shop-floor": [9, 0, 0] });
    const view = (await getInventoryHold({ shopId: SHOP, holdId: lapsed.holdId, now: new Date(), store: holds }))!;
    expect(view).toMatchObject({ status: "expired", expiredAt: expect.any(Date) as unknown });
  });

  it("never takes held units: conflict naming the short line, and nothing moves", async () => {
    await seed(shopWithStore);
    // Transfers run at the database's time: the hold is made at the time it is now.
    const now = new Date();
    const held = await hold([["A", 8]], { now });
    expect(await allocation(held.holdId, now)).toEqual({ A: { main: 8 } });
    const error = await caught(
      locations.createTransfer({
        shopId: SHOP,
        from: "main",
        to: "shop-floor",
        lines: [
          { sku: "B", variantKey: "", quantity: 1 },
          { sku: "A", variantKey: "", quantity: 3 },
        ],
        actor: "ops",
      }),
    );
    expect(error.code).toBe("conflict");
    expect(error.details.errors).toEqual([
      { field: "lines.1.quantity", message: expect.stringContaining("8 held") as unknown },
    ]);
    expect(error.details.insufficient).toEqual([
      { index: 1, sku: "A", variantKey: "", requested: 3, available: 2, held: 8 },
    ]);
    expect(await levelsOf("A")).toEqual({ main: [10, 8, 0] });
    expect(await levelsOf("B")).toEqual({ main: [4, 0, 0] });
    expect(await locations.listTransfers(SHOP)).toEqual([]);
    // The free units can go.
    await locations.createTransfer({
      shopId: SHOP,
      from: "main",
      to: "shop-floor",
      lines: [{ sku: "A", variantKey: "", quantity: 2 }],
      actor: "ops",
    });
    expect(await levelsOf("A")).toEqual({ main: [8, 8, 0], "shop-floor": [2, 0, 0] });
    expect(await commitInventoryHold({ shopId: SHOP, holdId: held.holdId, now, store: holds })).toMatchObject({
      changed: true,
    });
    expect(await levelsOf("A")).toEqual({ main: [0, 0, 0], "shop-floor": [2, 0, 0] });
  });

  it("refuses unknown locations and a transfer to where it comes from, by field", async () => {
    await seed(shopWithStore);
    const line = [{ sku: "A", variantKey: "", quantity: 1 }];
    const unknownFrom = await caught(
      locations.createTransfer({ shopId: SHOP, from: "nowhere", to: "main", lines: line, actor: "t" }),
    );
    expect(unknownFrom.code).toBe("validation_failed");
    expect(unknownFrom.details.errors).toEqual([
      { field: "from", message: expect.stringContaining("nowhere") as unknown },
    ]);
    const unknownTo = await caught(
      locations.createTransfer({ shopId: SHOP, from: "main", to: "nowhere", lines: line, actor: "t" }),
    );
    expect(unknownTo.details.errors).toEqual([{ field: "to", message: expect.stringContaining("nowhere") as unknown }]);
    const same = await caught(
      locations.createTransfer({ shopId: SHOP, from: "main", to: "main", lines: line, actor: "t" }),
    );
    expect(same.code).toBe("validation_failed");
    expect(same.details.errors).toEqual([{ field: "to", message: "must differ from the source location" }]);
    const twice = await caught(
      locations.createTransfer({ shopId: SHOP, from: "main", to: "east", lines: [...line, ...line], actor: "t" }),
    );
    expect(twice.details.errors).toEqual([{ field: "lines.1", message: "names the same variant as line 0" }]);
    expect(await levelsOf("A")).toEqual({ main: [10, 0, 0] });
    expect(await locations.listTransfers(SHOP)).toEqual([]);
  });
});

describe("online toggles", () => {
  // Location changes run at the database's time, so the holds here are made at the time it is now.
  it("a location taken offline leaves the shop's total, is refused while units are held there, and comes back", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
      ],
      stock: { A: { main: 5, east: 3 }, B: { main: 1 } },
    });
    const now = new Date();
    expect(await item("A")).toEqual({ quantity: 8, reserved: 0 });
    const offline = await locations.updateLocation({ shopId: SHOP, code: "east", active: false, actor: "t" });
    expect(offline).toMatchObject({ active: false, online: false });
    expect(await item("A")).toEqual({ quantity: 5, reserved: 0 });
    expect((await caught(hold([["A", 6]], { now }))).code).toBe("inventory_insufficient");
    expect(
      await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 6 }], { store: stock, holds, now }),
    ).toMatchObject({ ok: false });
    await locations.updateLocation({ shopId: SHOP, code: "east", active: true, actor: "t" });
    expect(await item("A")).toEqual({ quantity: 8, reserved: 0 });

    const held = await hold([["A", 2]], { now });
    expect(await allocation(held.holdId, now)).toEqual({ A: { east: 2 } });
    const refused = await caught(
      locations.updateLocation({ shopId: SHOP, code: "east", fulfilsOnline: false, actor: "t" }),
    );
    expect(refused.code).toBe("conflict");
    expect(refused.details.held).toBe(2);
    expect((await locations.listLocations(SHOP)).find((l) => l.code === "east")).toMatchObject({ online: true });
    expect(await item("A")).toEqual({ quantity: 8, reserved: 2 });
    // A change that keeps it online goes through while units are held; other locations are free to go offline.
    await locations.updateLocation({ shopId: SHOP, code: "east", priority: 5, name: "East DC", actor: "t" });
    await locations.updateLocation({ shopId: SHOP, code: "main", active: false, actor: "t" });
    expect(await item("A")).toEqual({ quantity: 3, reserved: 2 });
    expect(await item("B")).toEqual({ quantity: 0, reserved: 0 });
    await releaseInventoryHold({ shopId: SHOP, holdId: held.holdId, now, store: holds });
    await locations.updateLocation({ shopId: SHOP, code: "east", fulfilsOnline: false, actor: "t" });
    expect(await item("A")).toEqual({ quantity: 0, reserved: 0 });
    // No location online: nothing sells.
    expect((await caught(hold([["A", 1]], { now }))).code).toBe("inventory_insufficient");
    // Active again but still not fulfilling: the flag is kept, nothing counts online yet.
    await locations.updateLocation({ shopId: SHOP, code: "main", active: true, fulfilsOnline: false, actor: "t" });
    expect((await locations.listLocations(SHOP)).find((l) => l.code === "main")).toMatchObject({
      active: true,
      fulfilsOnline: false,
      online: false,
    });
    expect(await item("A")).toEqual({ quantity: 0, reserved: 0 });
    await locations.updateLocation({ shopId: SHOP, code: "main", fulfilsOnline: true, actor: "t" });
    await locations.updateLocation({ shopId: SHOP, code: "east", fulfilsOnline: true, actor: "t" });
    expect(await item("A")).toEqual({ quantity: 8, reserved: 0 });
    expect(await item("B")).toEqual({ quantity: 1, reserved: 0 });
    // Asking for what it already is changes nothing.
    await locations.updateLocation({ shopId: SHOP, code: "east", active: true, fulfilsOnline: true, actor: "t" });
    expect(await item("A")).toEqual({ quantity: 8, reserved: 0 });
    expect(
      (await caught(locations.updateLocation({ shopId: SHOP, code: "nowhere", active: false, actor: "t" }))).code,
    ).toBe("not_found");
  });

  it("a lapsed hold does not keep a location online: it expires, and the location goes offline", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
      ],
      stock: { A: { main: 5, east: 3 } },
    });
    const lapsed = await hold([["A", 3]], { now: new Date(Date.now() - 120_000), ttlSeconds: 60 });
    expect(await levelsOf("A")).toEqual({ main: [5, 0, 0], east: [3, 3, 0] });
    await locations.updateLocation({ shopId: SHOP, code: "east", active: false, actor: "t" });
    const view = (await getInventoryHold({ shopId: SHOP, holdId: lapsed.holdId, now: new Date(), store: holds }))!;
    expect(view).toMatchObject({ status: "expired", expiredAt: expect.any(Date) as unknown });
    expect(await levelsOf("A")).toEqual({ main: [5, 0, 0], east: [3, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 5, reserved: 0 });
  });
});

describe("edits at a location", () => {
  const shop = {
    locations: [
      { code: "main", priority: 100 },
      { code: "east", priority: 10 },
      { code: "shop-floor", priority: 0, kind: "store" as const, fulfilsOnline: false },
    ],
    stock: { A: { main: 5, east: 3 } },
  };

  it("setQuantity, adjustQuantity and upsert write the location named, main when none is", async () => {
    await seed(shop);
    await stock.setQuantity({
      shopId: SHOP,
      ...ref("A"),
      location: "east",
      quantity: 7,
      reason: "restock",
      actor: "t",
    });
    expect(await levelsOf("A")).toEqual({ main: [5, 0, 0], east: [7, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 12, reserved: 0 });
    expect((await ledgerAt("A", "east"))[0]).toEqual({ reason: "restock", delta: 4, quantityAfter: 7, holdId: null });
    await stock.adjustQuantity({ shopId: SHOP, ...ref("A"), delta: -2, reason: "damage", actor: "t" });
    expect(await levelsOf("A")).toEqual({ main: [3, 0, 0], east: [7, 0, 0] });
    // A store's stock is kept, but not counted online.
    await stock.adjustQuantity({
      shopId: SHOP,
      ...ref("A"),
      location: "shop-floor",
      delta: 9,
      reason: "restock",
      actor: "t",
    });
    expect(await levelsOf("A")).toEqual({ main: [3, 0, 0], east: [7, 0, 0], "shop-floor": [9, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 10, reserved: 0 });
    const upserted = await stock.upsertItems(
      SHOP,
      [
        { sku: "A", productId: "a", quantity: 1, location: "east" },
        { sku: "A", productId: "a", quantity: 4, location: "shop-floor" },
        { sku: "C", productId: "c", quantity: 2, location: "east" },
      ],
      { reason: "import", actor: "t" },
    );
    expect(upserted).toMatchObject({ created: 1, updated: 2 });
    expect(await levelsOf("A")).toEqual({ main: [3, 0, 0], east: [1, 0, 0], "shop-floor": [4, 0, 0] });
    expect(await levelsOf("C")).toEqual({ east: [2, 0, 0] });
    expect(await item("A")).toEqual({ quantity: 4, reserved: 0 });
    expect(await item("C")).toEqual({ quantity: 2, reserved: 0 });
  });

  it("refuses an unknown location by field, and a quantity below the units held at that location", async () => {
    await seed(shop);
    const unknownEdit = await caught(
      stock.setQuantity({ shopId: SHOP, ...ref("A"), location: "nowhere", quantity: 1, reason: "edit", actor: "t" }),
    );
    expect(unknownEdit.code).toBe("validation_failed");
    expect(unknownEdit.details.errors).toEqual([
      { field: "location", message: expect.stringContaining(SHOP) as unknown },
    ]);
    const unknownUpsert = await caught(
      stock.upsertItems(
        SHOP,
        [
          { sku: "A", productId: "a", quantity: 1, location: "east" },
          { sku: "D", productId: "d", quantity: 1, location: "nowhere" },
        ],
        { reason: "import", actor: "t" },
      ),
    );
    expect(unknownUpsert.code).toBe("validation_failed");
    expect(unknownUpsert.details.errors).toEqual([
      { field: "items.1.location", message: expect.any(String) as unknown },
    ]);
    expect(await stock.getItem(SHOP, ref("D"))).toBeNull();
    const badCode = await caught(
      stock.adjustQuantity({ shopId: SHOP, ...ref("A"), location: "East Side", delta: 1, reason: "edit", actor: "t" }),
    );
    expect(badCode.details.errors).toMatchObject([{ field: "location" }]);

    const held = await hold([["A", 3]]);
    expect(await allocation(held.holdId)).toEqual({ A: { east: 3 } });
    // Below what east holds: refused, though the shop as a whole has plenty.
    const below = await caught(
      stock.setQuantity({ shopId: SHOP, ...ref("A"), location: "east", quantity: 2, reason: "edit", actor: "t" }),
    );
    expect(below.code).toBe("conflict");
    const belowUpsert = await caught(
      stock.upsertItems(SHOP, [{ sku: "A", productId: "a", quantity: 1, location: "east" }], {
        reason: "import",
        actor: "t",
      }),
    );
    expect(belowUpsert.code).toBe("conflict");
    expect(belowUpsert.details.errors).toMatchObject([{ index: 0, field: "quantity" }]);
    // Main holds nothing, so it may go to zero.
    await stock.setQuantity({ shopId: SHOP, ...ref("A"), quantity: 0, reason: "edit", actor: "t" });
    expect(await levelsOf("A")).toEqual({ main: [0, 0, 0], east: [3, 3, 0] });
    expect(await item("A")).toEqual({ quantity: 3, reserved: 3 });
  });
});

describe("inventory_write_levels", () => {
  const write = async (rows: unknown[]) => {
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      const { rows: answer } = await client.query<{ result: unknown }>(
        `SELECT inventory_write_levels($1, $2::jsonb, 'edit', 'test', NULL, now()) AS result`,
        [SHOP, JSON.stringify(rows)],
      );
      await client.query("COMMIT");
      return answer[0]!.result;
    } finally {
      client.release();
    }
  };

  it("applies rows for one variant and location in order, each from the one before", async () => {
    await seed({ locations: [{ code: "east", priority: 10 }], stock: { A: { main: 5, east: 1 } } });
    expect(
      await write([
        { sku: "A", variantKey: "", location: "east", delta: 2 },
        { sku: "A", variantKey: "", location: "main", quantity: 4 },
        { sku: "A", variantKey: "", location: "east", delta: -1 },
        { sku: "A", variantKey: "", location: "east", quantity: 9 },
      ]),
    ).toEqual({
      rows: [
        { index: 0, quantity: 3, delta: 2 },
        { index: 1, quantity: 4, delta: -1 },
        { index: 2, quantity: 2, delta: -1 },
        { index: 3, quantity: 9, delta: 7 },
      ],
    });
    expect(await levelsOf("A")).toEqual({ main: [4, 0, 0], east: [9, 0, 0] });
    expect((await ledgerAt("A", "east")).map((e) => [e.delta, e.quantityAfter])).toEqual([
      [7, 9],
      [-1, 2],
      [2, 3],
      [1, 1],
    ]);
    // A row below zero after the one before it refuses them all, by index.
    expect(
      await write([
        { sku: "A", variantKey: "", location: "east", delta: -5 },
        { sku: "A", variantKey: "", location: "east", delta: -5 },
        { sku: "A", variantKey: "", location: "nowhere", quantity: 1 },
      ]),
    ).toMatchObject({
      errors: [
        { index: 1, field: "delta", reason: "negative", quantity: 4 },
        { index: 2, field: "location", location: "nowhere" },
      ],
    });
    expect(await levelsOf("A")).toEqual({ main: [4, 0, 0], east: [9, 0, 0] });
  });
});

describe("shop-level answers", () => {
  it("validation and the authority API answer with the sum over the online locations", async () => {
    await seed({
      locations: [
        { code: "main", priority: 100 },
        { code: "east", priority: 10 },
        { code: "shop-floor", priority: 0, kind: "store", fulfilsOnline: false },
      ],
      stock: { A: { main: 2, east: 3, "shop-floor": 50 } },
    });
    await hold([["A", 1]]);
    expect(
      await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 4 }], { store: stock, holds, now: T0 }),
    ).toEqual({
      ok: true,
    });
    expect(
      await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 5 }], { store: stock, holds, now: T0 }),
    ).toEqual({
      ok: false,
      insufficient: [{ sku: "A", variantKey: "", requested: 5, available: 4 }],
    });
    const token = "authority-token-0123456789";
    const ask = (quantity: number) =>
      handleInventoryAuthorityRequest(
        new Request("http://cms.test/api/inventory/validate", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ shopId: SHOP, items: [{ sku: "A", quantity }] }),
        }),
        { token, store: stock, holds, now: T0 },
      );
    const ok = await ask(4);
    expect(ok.status).toBe(200);
    const short = await ask(5);
    expect(short.status).toBe(409);
    expect(await short.json()).toMatchObject({ items: [{ sku: "A", requested: 5, available: 4 }] });
  });
});

describe("the JSON backend", () => {
  it("keeps exactly one location, main, and refuses a second, a transfer, or taking main offline", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "acme-locations-"));
    const jsonStock = createJsonInventoryStore({ dataDir });
    try {
      const jsonLocations = createJsonLocationStore(jsonStock, createJsonHoldStore({ dataDir }));
      await jsonStock.upsertItems(SHOP, [{ sku: "A", productId: "a", quantity: 3 }], { reason: "import", actor: "t" });
      expect((await jsonLocations.listLocations(SHOP)).map((l) => [l.code, l.online])).toEqual([["main", true]]);
      const second = await caught(
        jsonLocations.createLocation({ shopId: SHOP, code: "east", name: "East", actor: "t" }),
      );
      expect(second.code).toBe("conflict");
      const transfer = await caught(
        jsonLocations.createTransfer({
          shopId: SHOP,
          from: "main",
          to: "east",
          lines: [{ sku: "A", variantKey: "", quantity: 1 }],
          actor: "t",
        }),
      );
      expect(transfer.code).toBe("conflict");
      expect(
        (await caught(jsonLocations.updateLocation({ shopId: SHOP, code: "main", active: false, actor: "t" }))).code,
      ).toBe("conflict");
      expect(await jsonLocations.listLevels(SHOP)).toMatchObject([
        { sku: "A", location: "main", quantity: 3, reserved: 0 },
      ]);
      expect((await jsonLocations.reconcile({ shopId: SHOP })).drift).toEqual([]);
    } finally {
      await jsonStock.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
