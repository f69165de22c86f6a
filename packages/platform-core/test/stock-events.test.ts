import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDatabase } from "../src/db/prisma-client.ts";
import { commitInventoryHold, commitPaidInventoryHold } from "../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { recordPaidInventorySale } from "../src/holds/record-paid-inventory-sale.ts";
import { releaseExpiredInventoryHolds } from "../src/holds/release-expired-inventory-holds.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import type { HoldStore } from "../src/holds/types.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import type { LocationStore } from "../src/locations/types.ts";
import { listStockEvents } from "../src/stock-events/list-stock-events.ts";
import { sequenceStockEvents } from "../src/stock-events/sequence-stock-events.ts";
import type { StockEventPayload } from "../src/stock-events/stock-event-payload.ts";
import { expectStockEventBooks } from "./support/stock-event-books.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// The stock events outbox on PostgreSQL, path by path: every change of a location's quantity or reserved units has
// exactly its events (type, reason, figures before and after, the ledger entry of a change of quantity), none for a
// change rolled back or killed, and each shop's events are numbered 1..N. After every test the events' books balance
// against the levels and the ledger (support/stock-event-books.ts) and every location's books balance (reconcile).

const SHOP = "shop-ev";
const OTHER = "shop-ev-other";
const LEGACY = "shop-ev-legacy";
const T0 = new Date("2026-11-24T12:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let db: TestDatabase;
let stock: InventoryStore;
let holds: HoldStore;
let locations: LocationStore;
/** The last sequence number each test has read, per shop. */
const seen = new Map<string, number>();

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 6 });
  stock = createPrismaInventoryStore(db);
  holds = createPrismaHoldStore(db);
  locations = createPrismaLocationStore(db);
});
beforeEach(async () => {
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry",
       "InventoryHoldItem", "InventoryHold", "OversoldSale", "ProcessedWebhookEvent", "StockEvent", "StockEventShop" RESTART IDENTITY`,
  );
  seen.clear();
});
afterEach(async () => {
  await expectStockEventBooks(db, [SHOP, OTHER, LEGACY]);
  expect((await locations.reconcile()).drift).toEqual([]);
});
afterAll(async () => {
  await db?.destroy();
});

/** main (priority 100) and east (priority 10), then the stock, imported in one call. */
async function seed(shopId: string, levels: Record<string, Record<string, number>>) {
  await locations.createLocation({ shopId, code: "east", name: "East", priority: 10, kind: "warehouse", actor: "t" });
  await stock.upsertItems(
    shopId,
    Object.entries(levels).flatMap(([sku, where]) =>
      Object.entries(where).map(([location, quantity]) => ({ sku, productId: sku.toLowerCase(), quantity, location })),
    ),
    { reason: "import", actor: "t" },
  );
}

interface Brief {
  type: string;
  reason: string;
  at: string;
  quantity: [number, number];
  reserved: [number, number];
  ledger: { reason: string; holdId: string | null } | null;
}

/** Sequences the shop's events and returns those after the last ones read, with the ledger entry each names. */
async function next(shopId = SHOP): Promise<Brief[]> {
  await sequenceStockEvents({ db, shopId });
  const page = await listStockEvents({ db, shopId, afterSeq: seen.get(shopId) ?? 0, limit: 1000 });
  expect(page.events.map((e) => e.sequence)).toEqual(page.events.map((_, i) => (seen.get(shopId) ?? 0) + i + 1));
  seen.set(shopId, page.nextAfterSeq);
  const ids = page.events.flatMap((e) => (e.ledgerEntryId ? [e.ledgerEntryId] : []));
  const { rows } = await db.pool.query<{ id: string; reason: string; holdId: string | null }>(
    `SELECT id::text, reason, "holdId" FROM "StockLedgerEntry" WHERE id = ANY ($1::bigint[])`,
    [ids],
  );
  const ledger = new Map(rows.map((row) => [row.id, { reason: row.reason, holdId: row.holdId }]));
  return page.events.map((e: StockEventPayload) => ({
    type: e.type,
    reason: e.reason,
    at: `${e.sku}@${e.location}`,
    quantity: [e.quantity.before, e.quantity.after],
    reserved: [e.reserved.before, e.reserved.after],
    ledger: e.ledgerEntryId ? ledger.get(e.ledgerEntryId)! : null,
  }));
}

function hold(lines: Array<[string, number]>, extra: { now?: Date; ttlSeconds?: number; shopId?: string } = {}) {
  return createInventoryHold({
    shopId: extra.shopId ?? SHOP,
    requests: lines.map(([sku, quantity]) => ({ sku, quantity })),
    ttlSeconds: extra.ttlSeconds ?? 600,
    now: extra.now ?? T0,
    store: holds,
  });
}

const ev = (
  type: string,
  reason: string,
  where: string,
  quantity: [number, number],
  reserved: [number, number],
  ledger: Brief["ledger"] = null,
): Brief => ({ type, reason, at: where, quantity, reserved, ledger });

async function eventRows(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "StockEvent"`);
  return rows[0]!.n;
}

describe("every path has its events", () => {
  it("an import, an edit and an adjustment: one event per level changed, with the ledger entry's reason", async () => {
    await seed(SHOP, { A: { main: 5, east: 3 }, B: { main: 2 } });
    const imported = { reason: "import", holdId: null };
    expect(await next()).toEqual([
      ev("stock.adjusted", "import", "A@east", [0, 3], [0, 0], imported),
      ev("stock.adjusted", "import", "A@main", [0, 5], [0, 0], imported),
      ev("stock.adjusted", "import", "B@main", [0, 2], [0, 0], imported),
    ]);
    await stock.setQuantity({ shopId: SHOP, sku: "A", variantKey: "", quantity: 9, reason: "edit", actor: "t" });
    await stock.adjustQuantity({
      shopId: SHOP,
      sku: "A",
      variantKey: "",
      location: "east",
      delta: -1,
      reason: "damage",
      actor: "t",
    });
    // An import that changes one of two rows writes one event.
    await stock.upsertItems(
      SHOP,
      [
        { sku: "A", productId: "a", quantity: 9 },
        { sku: "B", productId: "b", quantity: 4 },
      ],
      { reason: "import", actor: "t" },
    );
    expect(await next()).toEqual([
      ev("stock.adjusted", "edit", "A@main", [5, 9], [0, 0], { reason: "edit", holdId: null }),
      ev("stock.adjusted", "damage", "A@east", [3, 2], [0, 0], { reason: "damage", holdId: null }),
      ev("stock.adjusted", "import", "B@main", [2, 4], [0, 0], imported),
    ]);
  });

  it("holds, single and batched (one event per variant and location per deciding statement), and a release", async () => {
    await seed(SHOP, { A: { main: 5, east: 3 }, C: { main: 10 } });
    await next();
    const single = await hold([["A", 2]]);
    expect(await next()).toEqual([ev("stock.held", "hold", "A@east", [3, 3], [0, 2])]);
    await releaseInventoryHold({ shopId: SHOP, holdId: single.holdId, now: at(5), store: holds });
    expect(await next()).toEqual([ev("stock.released", "release", "A@east", [3, 3], [2, 0])]);

    // Five buyers decided in one transaction: one event for the five holds on C at main.
    const expiresAt = at(600).toISOString();
    const { rows } = await db.pool.query<{ r: Array<{ outcome: string }> }>(
      `SELECT inventory_create_holds_batch($1, $2::jsonb, $3) AS r`,
      [
        SHOP,
        JSON.stringify(
          [1, 2, 3, 4, 5].map((n) => ({
            holdId: `batch-${n}`,
            expiresAt,
            lines: [{ sku: "C", variantKey: "", quantity: 2 }],
          })),
        ),
        T0,
      ],
    );
    expect(rows[0]!.r.map((answer) => answer.outcome)).toEqual(["created", "created", "created", "created", "created"]);
    expect(await next()).toEqual([ev("stock.held", "hold", "C@main", [10, 10], [0, 10])]);
  });

  it("concurrent buyers through one batching hold store: fewer events than buyers, adding up to what they hold", async () => {
    await seed(SHOP, { C: { main: 40 } });
    await next();
    const granted = await Promise.all(Array.from({ length: 20 }, () => hold([["C", 2]])));
    expect(granted).toHaveLength(20);
    const events = await next();
    expect(events.every((e) => e.reason === "hold" && e.at === "C@main")).toBe(true);
    expect(events.reduce((sum, e) => sum + e.reserved[1] - e.reserved[0], 0)).toBe(40);
    expect(events.length).toBeLessThanOrEqual(20);
    console.log(
      `20 concurrent hold requests on one variant: ${events.length} stock events (one per deciding statement)`,
    );
  });

  it("expiry by the reaper, and by a hold request that expires lapsed holds first, in its own transaction", async () => {
    await seed(SHOP, { A: { main: 5, east: 3 } });
    await next();
    await hold([["A", 2]], { ttlSeconds: 60 });
    expect(await releaseExpiredInventoryHolds({ shopId: SHOP, now: at(61), store: holds })).toBe(1);
    expect((await next()).slice(1)).toEqual([ev("stock.released", "expiry", "A@east", [3, 3], [2, 0])]);

    await hold([["A", 8]], { ttlSeconds: 60 });
    expect(await next()).toEqual([
      ev("stock.held", "hold", "A@east", [3, 3], [0, 3]),
      ev("stock.held", "hold", "A@main", [5, 5], [0, 5]),
    ]);
    // No reaper ran: the request finds too little, expires the lapsed hold and takes its units.
    await hold([["A", 8]], { now: at(61) });
    expect(await next()).toEqual([
      ev("stock.released", "expiry", "A@east", [3, 3], [3, 0]),
      ev("stock.released", "expiry", "A@main", [5, 5], [5, 0]),
      ev("stock.held", "hold", "A@east", [3, 3], [0, 3]),
      ev("stock.held", "hold", "A@main", [5, 5], [0, 5]),
    ]);
  });

  it("sales: a held cart committed, a payment after the hold lapsed, a paid sale that held nothing, and an oversold one", async () => {
    await seed(SHOP, { A: { main: 5, east: 3 } });
    await next();
    const held = await hold([["A", 2]]);
    await commitInventoryHold({ shopId: SHOP, holdId: held.holdId, now: at(10), store: holds });
    expect(await next()).toEqual([
      ev("stock.held", "hold", "A@east", [3, 3], [0, 2]),
      ev("stock.sold", "sale", "A@east", [3, 1], [2, 0], { reason: "sale", holdId: held.holdId }),
    ]);

    const lapsed = await hold([["A", 1]], { ttlSeconds: 60 });
    await releaseExpiredInventoryHolds({ shopId: SHOP, now: at(61), store: holds });
    const paid = await commitPaidInventoryHold({
      shopId: SHOP,
      holdId: lapsed.holdId,
      checkoutSessionId: "cs_late",
      actor: "stripe",
      now: at(70),
      store: holds,
    });
    expect(paid.outcome).toBe("recommitted");
    expect(await next()).toEqual([
      ev("stock.held", "hold", "A@east", [1, 1], [0, 1]),
      ev("stock.released", "expiry", "A@east", [1, 1], [1, 0]),
      ev("stock.sold", "sale", "A@east", [1, 0], [0, 0], { reason: "sale", holdId: lapsed.holdId }),
    ]);

    const sold = await recordPaidInventorySale({
      shopId: SHOP,
      checkoutSessionId: "cs_holdless",
      lines: [{ sku: "A", variantKey: "", quantity: 2 }],
      actor: "stripe",
      now: at(80),
      store: holds,
    });
    expect(sold.outcome).toBe("sold");
    expect(await next()).toEqual([
      ev("stock.sold", "sale", "A@main", [5, 3], [0, 0], { reason: "sale", holdId: "sale_cs_holdless" }),
    ]);

    // Oversold at payment changes no stock (OversoldSale and an ops alert record it): no event.
    const oversold = await recordPaidInventorySale({
      shopId: SHOP,
      checkoutSessionId: "cs_too_many",
      lines: [{ sku: "A", variantKey: "", quantity: 4 }],
      actor: "stripe",
      now: at(90),
      store: holds,
    });
    expect(oversold.outcome).toBe("oversold");
    expect(await next()).toEqual([]);
  });

  it("a batch of sales on one location is one event per sale, each with its own ledger entry and figures", async () => {
    await seed(SHOP, { C: { main: 10 } });
    await next();
    const first = await hold([["C", 2]]);
    const second = await hold([["C", 3]]);
    await next();
    // The settle batch sells both in one statement (its fast path); the ledger has a row per hold.
    await db.pool.query(`SELECT inventory_settle_batch($1, $2::jsonb, $3)`, [
      SHOP,
      JSON.stringify([
        { holdId: first.holdId, kind: "commit" },
        { holdId: second.holdId, kind: "commit" },
      ]),
      at(10),
    ]);
    expect(await next()).toEqual([
      ev("stock.sold", "sale", "C@main", [10, 8], [5, 3], { reason: "sale", holdId: first.holdId }),
      ev("stock.sold", "sale", "C@main", [8, 5], [3, 0], { reason: "sale", holdId: second.holdId }),
    ]);
  });

  it("an edit naming a variant three times is three events, in the order of its rows", async () => {
    await seed(SHOP, { C: { main: 10 } });
    await next();
    await db.pool.query(`SELECT inventory_write_levels($1, $2::jsonb, 'edit', 't', NULL, $3)`, [
      SHOP,
      JSON.stringify([
        { sku: "C", variantKey: "", location: "main", delta: -2 },
        { sku: "C", variantKey: "", location: "main", delta: 5 },
        { sku: "C", variantKey: "", location: "main", delta: -5 },
      ]),
      T0,
    ]);
    const edit = { reason: "edit", holdId: null };
    expect(await next()).toEqual([
      ev("stock.adjusted", "edit", "C@main", [10, 8], [0, 0], edit),
      ev("stock.adjusted", "edit", "C@main", [8, 13], [0, 0], edit),
      ev("stock.adjusted", "edit", "C@main", [13, 8], [0, 0], edit),
    ]);
  });

  it("transfers: arriving now is an event on each side; in transit, none for incoming until it is received", async () => {
    await seed(SHOP, { A: { main: 5, east: 3 } });
    await next();
    await locations.createTransfer({
      shopId: SHOP,
      from: "main",
      to: "east",
      lines: [{ sku: "A", variantKey: "", quantity: 2 }],
      actor: "ops",
    });
    expect(await next()).toEqual([
      ev("stock.transferred", "transfer_out", "A@main", [5, 3], [0, 0], { reason: "transfer_out", holdId: null }),
      ev("stock.transferred", "transfer_in", "A@east", [3, 5], [0, 0], { reason: "transfer_in", holdId: null }),
    ]);
    await locations.createTransfer({
      shopId: SHOP,
      transferId: "tr-road",
      from: "east",
      to: "main",
      lines: [{ sku: "A", variantKey: "", quantity: 4 }],
      inTransit: true,
      actor: "ops",
    });
    // Incoming changes neither quantity nor reserved anywhere: the source's event only.
    expect(await next()).toEqual([
      ev("stock.transferred", "transfer_out", "A@east", [5, 1], [0, 0], { reason: "transfer_out", holdId: null }),
    ]);
    await locations.receiveTransfer({ shopId: SHOP, transferId: "tr-road", actor: "ops" });
    await locations.receiveTransfer({ shopId: SHOP, transferId: "tr-road", actor: "ops" });
    expect(await next()).toEqual([
      ev("stock.transferred", "transfer_in", "A@main", [3, 7], [0, 0], { reason: "transfer_in", holdId: null }),
    ]);
  });

  it("a location going offline and back online: an event per variant kept there, its figures unchanged", async () => {
    await seed(SHOP, { A: { main: 5, east: 3 }, B: { east: 1 }, C: { main: 2 } });
    await next();
    await locations.updateLocation({ shopId: SHOP, code: "east", active: false, actor: "t" });
    expect(await next()).toEqual([
      ev("stock.location_changed", "location_offline", "A@east", [3, 3], [0, 0]),
      ev("stock.location_changed", "location_offline", "B@east", [1, 1], [0, 0]),
    ]);
    // A change that leaves it offline is no event.
    await locations.updateLocation({ shopId: SHOP, code: "east", name: "East (closed)", actor: "t" });
    await locations.updateLocation({ shopId: SHOP, code: "east", active: true, actor: "t" });
    expect(await next()).toEqual([
      ev("stock.location_changed", "location_online", "A@east", [3, 3], [0, 0]),
      ev("stock.location_changed", "location_online", "B@east", [1, 1], [0, 0]),
    ]);
  });

  it("a cart split across two locations: an event at each, for the hold and for the sale", async () => {
    await seed(SHOP, { A: { main: 5, east: 3 } });
    await next();
    const split = await hold([["A", 6]]);
    expect(await next()).toEqual([
      ev("stock.held", "hold", "A@east", [3, 3], [0, 3]),
      ev("stock.held", "hold", "A@main", [5, 5], [0, 3]),
    ]);
    await commitInventoryHold({ shopId: SHOP, holdId: split.holdId, now: at(10), store: holds });
    const sale = { reason: "sale", holdId: split.holdId };
    expect(await next()).toEqual([
      ev("stock.sold", "sale", "A@east", [3, 0], [3, 0], sale),
      ev("stock.sold", "sale", "A@main", [5, 2], [3, 0], sale),
    ]);
  });

  it("a write through InventoryItem from code before locations (inventory_legacy_write) has its event at main", async () => {
    await stock.upsertItems(LEGACY, [{ sku: "OLD", productId: "old", quantity: 4 }], { reason: "import", actor: "t" });
    // The previous release's edit: the item and its ledger row in one statement (the trigger books it on main
    // before the ledger row exists; the event is linked to it when sequenced).
    await db.pool.query(
      `WITH updated AS (
         UPDATE "InventoryItem" SET quantity = quantity + 3, version = version + 1, "updatedAt" = now()
         WHERE "shopId" = $1 AND sku = 'OLD' RETURNING "shopId", sku, "variantKey", quantity
       )
       INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor)
       SELECT "shopId", sku, "variantKey", 3, quantity, 'edit', 'ops@old-release' FROM updated`,
      [LEGACY],
    );
    // Its reserve and release of a unit (no hold rows: it gives the unit back in the same test).
    await db.pool.query(`UPDATE "InventoryItem" SET reserved = reserved + 1 WHERE "shopId" = $1 AND sku = 'OLD'`, [
      LEGACY,
    ]);
    await db.pool.query(`UPDATE "InventoryItem" SET reserved = reserved - 1 WHERE "shopId" = $1 AND sku = 'OLD'`, [
      LEGACY,
    ]);
    expect(await next(LEGACY)).toEqual([
      ev("stock.adjusted", "import", "OLD@main", [0, 4], [0, 0], { reason: "import", holdId: null }),
      ev("stock.adjusted", "edit", "OLD@main", [4, 7], [0, 0], { reason: "edit", holdId: null }),
      ev("stock.held", "hold", "OLD@main", [7, 7], [0, 1]),
      ev("stock.released", "release", "OLD@main", [7, 7], [1, 0]),
    ]);
  });
});

describe("numbering and reading", () => {
  it("numbers each shop's events 1..N on its own, however their changes interleave", async () => {
    await seed(SHOP, { A: { main: 5 } });
    await seed(OTHER, { A: { main: 7 } });
    for (let i = 0; i < 3; i++) {
      await stock.adjustQuantity({ shopId: SHOP, sku: "A", variantKey: "", delta: 1, reason: "restock", actor: "t" });
      await stock.adjustQuantity({ shopId: OTHER, sku: "A", variantKey: "", delta: -1, reason: "damage", actor: "t" });
    }
    // One sequencer pass over every shop.
    expect(await sequenceStockEvents({ db })).toEqual(
      new Map([
        [OTHER, 4],
        [SHOP, 4],
      ]),
    );
    const { rows } = await db.pool.query<{ shopId: string; seqs: string[] }>(
      `SELECT "shopId", array_agg(seq::text ORDER BY id) AS seqs FROM "StockEvent" GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { shopId: SHOP, seqs: ["1", "2", "3", "4"] },
      { shopId: OTHER, seqs: ["1", "2", "3", "4"] },
    ]);
    expect((await next(OTHER)).map((e) => e.quantity)).toEqual([
      [0, 7],
      [7, 6],
      [6, 5],
      [5, 4],
    ]);
    // Nothing left: a second pass numbers nothing.
    expect(await sequenceStockEvents({ db })).toEqual(new Map());
  });

  it("lists a shop's events after a sequence number, page by page, filtered by type, as subscribers see them", async () => {
    await seed(SHOP, { A: { main: 5 } });
    const held = await hold([["A", 2]]);
    await commitInventoryHold({ shopId: SHOP, holdId: held.holdId, now: at(10), store: holds });
    await sequenceStockEvents({ db, shopId: SHOP, batchSize: 1 });
    const first = await listStockEvents({ db, shopId: SHOP, afterSeq: 0, limit: 2 });
    expect(first.events.map((e) => [e.sequence, e.type])).toEqual([
      [1, "stock.adjusted"],
      [2, "stock.held"],
    ]);
    expect(first).toMatchObject({ nextAfterSeq: 2, lastSeq: 3 });
    const rest = await listStockEvents({ db, shopId: SHOP, afterSeq: first.nextAfterSeq });
    expect(rest.events).toEqual([
      {
        id: `${SHOP}:3`,
        type: "stock.sold",
        sequence: 3,
        shopId: SHOP,
        sku: "A",
        variantKey: "",
        location: "main",
        reason: "sale",
        quantity: { before: 5, after: 3 },
        reserved: { before: 2, after: 0 },
        available: { before: 3, after: 3 },
        ledgerEntryId: expect.stringMatching(/^\d+$/) as unknown,
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      },
    ]);
    expect((await listStockEvents({ db, shopId: SHOP, afterSeq: 0, types: ["stock.sold"] })).events).toHaveLength(1);
  });
});

describe("none lost, none invented", () => {
  it("a transaction rolled back after its level changed leaves no event: a failed CHECK, an explicit ROLLBACK", async () => {
    await seed(SHOP, { A: { main: 5 } });
    const before = await eventRows();
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT inventory_write_levels($1, $2::jsonb, 'edit', 't', NULL, now())`, [
        SHOP,
        JSON.stringify([{ sku: "A", variantKey: "", location: "main", delta: 4 }]),
      ]);
      // The change and its event are written inside the transaction, then a later statement fails a CHECK.
      expect(await eventRowsOn(client)).toBe(before + 1);
      await expect(
        client.query(`UPDATE "InventoryLevel" SET reserved = quantity + 1 WHERE "shopId" = $1`, [SHOP]),
      ).rejects.toMatchObject({ code: "23514" });
      await client.query("ROLLBACK");

      await client.query("BEGIN");
      await client.query(`SELECT inventory_create_holds_batch($1, $2::jsonb, now())`, [
        SHOP,
        JSON.stringify([
          { holdId: "h-rolled-back", expiresAt: at(600), lines: [{ sku: "A", variantKey: "", quantity: 2 }] },
        ]),
      ]);
      expect(await eventRowsOn(client)).toBe(before + 1);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await eventRows()).toBe(before);
    expect(await next()).toEqual([
      ev("stock.adjusted", "import", "A@main", [0, 5], [0, 0], { reason: "import", holdId: null }),
    ]);
  });

  it("a backend killed with its change open leaves no event; the changes committed before it keep theirs", async () => {
    await seed(SHOP, { A: { main: 5 } });
    await stock.adjustQuantity({ shopId: SHOP, sku: "A", variantKey: "", delta: 2, reason: "restock", actor: "t" });
    const before = await eventRows();
    const victim = new pg.Client({ connectionString: db.url });
    victim.on("error", () => {});
    await victim.connect();
    try {
      await victim.query("BEGIN");
      await victim.query(`SELECT inventory_write_levels($1, $2::jsonb, 'edit', 't', NULL, now())`, [
        SHOP,
        JSON.stringify([{ sku: "A", variantKey: "", location: "main", delta: 10 }]),
      ]);
      const pid = (await victim.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
      const killed = await db.pool.query<{ ok: boolean }>(`SELECT pg_terminate_backend($1) AS ok`, [pid]);
      expect(killed.rows[0]!.ok).toBe(true);
      await expect(victim.query("COMMIT")).rejects.toThrow();
    } finally {
      await victim.end().catch(() => {});
    }
    expect(await eventRows()).toBe(before);
    const levels = await locations.listLevels(SHOP, { refs: [{ sku: "A", variantKey: "" }] });
    expect(levels.map((l) => l.quantity)).toEqual([7]);
    expect(await next()).toEqual([
      ev("stock.adjusted", "import", "A@main", [0, 5], [0, 0], { reason: "import", holdId: null }),
      ev("stock.adjusted", "restock", "A@main", [5, 7], [0, 0], { reason: "restock", holdId: null }),
    ]);
  });

  it("events committed but not yet sequenced survive the process that wrote them, and are numbered by the next", async () => {
    const first = createDatabase({ url: db.url, poolSize: 2 });
    const firstStock = createPrismaInventoryStore(first);
    const firstHolds = createPrismaHoldStore(first);
    await locations.createLocation({
      shopId: SHOP,
      code: "east",
      name: "East",
      priority: 10,
      kind: "warehouse",
      actor: "t",
    });
    await firstStock.upsertItems(SHOP, [{ sku: "A", productId: "a", quantity: 5, location: "east" }], {
      reason: "import",
      actor: "t",
    });
    const held = await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "A", quantity: 2 }],
      ttlSeconds: 600,
      now: T0,
      store: firstHolds,
    });
    await commitInventoryHold({ shopId: SHOP, holdId: held.holdId, now: at(1), store: firstHolds });
    // The process goes away before any sequencer or delivery ran.
    await first.close();
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "StockEvent" WHERE seq IS NULL`,
    );
    expect(rows[0]!.n).toBe(3);
    const second = createDatabase({ url: db.url, poolSize: 2 });
    try {
      expect(await sequenceStockEvents({ db: second })).toEqual(new Map([[SHOP, 3]]));
    } finally {
      await second.close();
    }
    expect(await next()).toEqual([
      ev("stock.adjusted", "import", "A@east", [0, 5], [0, 0], { reason: "import", holdId: null }),
      ev("stock.held", "hold", "A@east", [5, 5], [0, 2]),
      ev("stock.sold", "sale", "A@east", [5, 3], [2, 0], { reason: "sale", holdId: held.holdId }),
    ]);
  });
});

async function eventRowsOn(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "StockEvent"`);
  return rows[0]!.n;
}
