import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/db/prisma-client.ts";
import { isInventoryError } from "../src/errors/inventory-error.ts";
import { postgresErrorCode } from "../src/errors/postgres-error-code.ts";
import { commitInventoryHold } from "../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import type { HoldStore } from "../src/holds/types.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import type { LocationStore } from "../src/locations/types.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Holds, transfers, edits and online toggles at several locations racing one another on PostgreSQL, from three
// "instances" (each its own pool and hold store; two batch requests, one decides each alone). Never an oversell, never
// a deadlock, and every location's books balance afterwards.

let db: TestDatabase;
const instances: Array<{ database: Database; holds: HoldStore }> = [];
let stock: InventoryStore;
let locations: LocationStore;
/** SQLSTATEs of every statement that failed on any connection (the hold store retries deadlocks, so look here). */
const failures: string[] = [];

function watch(pool: pg.Pool) {
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const note = (error: unknown) => {
      if (error) failures.push(postgresErrorCode(error) ?? "unknown");
    };
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const callback = args.at(-1);
      if (typeof callback === "function") {
        // pg.Pool's own query() hands a callback.
        args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
          note(error);
          return (callback as (...a: unknown[]) => unknown)(error, ...rest);
        };
      }
      const result = query(...args);
      if (result instanceof Promise) result.catch(note);
      return result;
    };
  });
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 8 });
  watch(db.pool);
  stock = createPrismaInventoryStore(db);
  locations = createPrismaLocationStore(db);
  for (const batching of [true, true, false]) {
    const database = createDatabase({ url: db.url, poolSize: 6 });
    watch(database.pool);
    instances.push({ database, holds: createPrismaHoldStore(database, batching ? {} : { batching: false }) });
  }
});
afterAll(async () => {
  for (const instance of instances) await instance.database.close();
  await db?.destroy();
});

async function seed(
  shopId: string,
  spec: {
    locations: Array<{ code: string; priority: number; kind?: "store"; fulfilsOnline?: boolean }>;
    stock: Record<string, Record<string, number>>;
  },
) {
  for (const location of spec.locations) {
    await locations.createLocation({ shopId, name: location.code, actor: "test", ...location });
  }
  await stock.upsertItems(
    shopId,
    Object.entries(spec.stock).flatMap(([sku, at]) =>
      Object.entries(at).map(([location, quantity]) => ({ sku, productId: sku.toLowerCase(), quantity, location })),
    ),
    { reason: "import", actor: "test" },
  );
}

type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

function outcome<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({
      ok: false as const,
      code: isInventoryError(error) ? error.code : `thrown: ${String(error)}`,
    }),
  );
}

/** A hold request from the instance `n` names (round robin). */
function hold(shopId: string, n: number, lines: Array<[string, number]>) {
  return outcome(
    createInventoryHold({
      shopId,
      requests: lines.map(([sku, quantity]) => ({ sku, quantity })),
      ttlSeconds: 600,
      store: instances[n % instances.length]!.holds,
    }),
  );
}

/** Codes of the refusals among outcomes, counted. */
function refusals(outcomes: Array<Outcome<unknown>>): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const o of outcomes) if (!o.ok) codes[o.code] = (codes[o.code] ?? 0) + 1;
  return codes;
}

/** Where each hold is reserved: per hold, sku -> location -> units. */
async function allocations(shopId: string, holdIds: string[]) {
  const views = await instances[0]!.holds.listHolds({ shopId, limit: 1000, now: new Date(0) });
  const wanted = new Set(holdIds);
  return views
    .filter((view) => wanted.has(view.holdId))
    .map((view) => ({
      holdId: view.holdId,
      status: view.status,
      lines: view.items.map((line) => ({
        sku: line.sku,
        quantity: line.quantity,
        at: Object.fromEntries(line.locations.map((l) => [l.location, l.quantity])),
      })),
    }));
}

async function levels(shopId: string, sku: string) {
  const rows = await locations.listLevels(shopId, { refs: [{ sku, variantKey: "" }] });
  return Object.fromEntries(rows.map((row) => [row.location, { quantity: row.quantity, reserved: row.reserved }]));
}

/** No deadlock and no CHECK violation anywhere, and every location's books balance. */
async function expectCleanBooks(shopId: string) {
  expect(failures.filter((code) => code === "40P01" || code === "23514" || code === "unknown")).toEqual([]);
  const report = await locations.reconcile({ shopId });
  expect(report.drift).toEqual([]);
  expect(report.checked).toBeGreaterThan(0);
}

describe("the last units at two locations", () => {
  it("grants exactly the units there, one at a time, two at a time, and in a line split across both", async () => {
    const shopId = "race-last";
    await seed(shopId, {
      locations: [
        { code: "east", priority: 10 },
        { code: "west", priority: 20 },
      ],
      stock: { A: { east: 3, west: 2 }, B: { east: 3, west: 2 }, C: { east: 3, west: 3 } },
    });
    // Every connection open first, so the requests really run at once.
    await Promise.all(
      instances.map((i) => Promise.all(Array.from({ length: 6 }, () => i.database.pool.query("SELECT 1")))),
    );
    const [ones, twos, fours] = await Promise.all([
      Promise.all(Array.from({ length: 150 }, (_, n) => hold(shopId, n, [["A", 1]]))),
      Promise.all(Array.from({ length: 150 }, (_, n) => hold(shopId, n + 1, [["B", 2]]))),
      Promise.all(Array.from({ length: 150 }, (_, n) => hold(shopId, n + 2, [["C", 4]]))),
    ]);
    const granted = (outcomes: typeof ones) => outcomes.flatMap((o) => (o.ok ? [o.value.holdId] : []));
    expect([granted(ones).length, granted(twos).length, granted(fours).length]).toEqual([5, 2, 1]);
    expect([refusals(ones), refusals(twos), refusals(fours)]).toEqual([
      { inventory_insufficient: 145 },
      { inventory_insufficient: 148 },
      { inventory_insufficient: 149 },
    ]);
    expect(await levels(shopId, "A")).toEqual({
      east: { quantity: 3, reserved: 3 },
      west: { quantity: 2, reserved: 2 },
    });
    // Two of B: the first from east (the better priority), the next whole from west; one unit is left at east.
    expect(await levels(shopId, "B")).toEqual({
      east: { quantity: 3, reserved: 2 },
      west: { quantity: 2, reserved: 2 },
    });
    // Four of C: no location has them, so east's three and one of west's.
    const [split] = await allocations(shopId, granted(fours));
    expect(split!.lines).toEqual([{ sku: "C", quantity: 4, at: { east: 3, west: 1 } }]);
    expect(await stock.getItem(shopId, { sku: "A", variantKey: "" })).toMatchObject({ quantity: 5, reserved: 5 });
    await expectCleanBooks(shopId);
  });
});

describe("split carts racing single-location carts", () => {
  it("never sells more than is there, never refuses a cart the shop could still fill, and settles to the books", async () => {
    const shopId = "race-split";
    await seed(shopId, {
      locations: [
        { code: "east", priority: 10 },
        { code: "west", priority: 20 },
      ],
      stock: { A: { main: 5, east: 10, west: 10 }, B: { east: 4, west: 4 } },
    });
    const carts: Array<Array<[string, number]>> = [
      [["A", 12]],
      [
        ["A", 2],
        ["B", 1],
      ],
      [["B", 3]],
      [["A", 1]],
    ];
    const requests = Array.from({ length: 240 }, (_, n) => ({ n, lines: carts[n % carts.length]! }));
    const outcomes = await Promise.all(requests.map(({ n, lines }) => hold(shopId, n, lines)));
    expect(Object.keys(refusals(outcomes))).toEqual(outcomes.some((o) => !o.ok) ? ["inventory_insufficient"] : []);
    const grantedIds = outcomes.flatMap((o) => (o.ok ? [o.value.holdId] : []));
    const granted = await allocations(shopId, grantedIds);
    expect(granted).toHaveLength(grantedIds.length);
    const sold = { A: 0, B: 0 } as Record<string, number>;
    for (const h of granted) {
      for (const line of h.lines) {
        // Each line's parts add up to it, at online locations only.
        expect(Object.values(line.at).reduce((a, b) => a + b, 0)).toBe(line.quantity);
        expect(Object.keys(line.at).every((code) => ["main", "east", "west"].includes(code))).toBe(true);
        sold[line.sku]! += line.quantity;
      }
    }
    expect(sold.A).toBeLessThanOrEqual(25);
    expect(sold.B).toBeLessThanOrEqual(8);
    // Nothing was given back during the race, so what is free now was free when any cart was refused: each refused
    // cart has a line the shop cannot fill even now.
    const free = { A: 25 - sold.A!, B: 8 - sold.B! } as Record<string, number>;
    requests.forEach(({ lines }, i) => {
      if (!outcomes[i]!.ok)
        expect(
          lines.some(([sku, q]) => free[sku]! < q),
          JSON.stringify(lines),
        ).toBe(true);
    });
    const a = await levels(shopId, "A");
    expect(Object.values(a).reduce((sum, l) => sum + l.reserved, 0)).toBe(sold.A);
    await expectCleanBooks(shopId);

    // Half committed, half released, all at once.
    const settled = await Promise.all(
      grantedIds.map((holdId, i) =>
        outcome(
          i % 2 === 0
            ? commitInventoryHold({ shopId, holdId, store: instances[i % 3]!.holds })
            : releaseInventoryHold({ shopId, holdId, store: instances[(i + 1) % 3]!.holds }),
        ),
      ),
    );
    expect(refusals(settled)).toEqual({});
    const committed = granted.filter((h) => grantedIds.indexOf(h.holdId) % 2 === 0);
    const units = (sku: string) =>
      committed.flatMap((h) => h.lines).reduce((sum, line) => sum + (line.sku === sku ? line.quantity : 0), 0);
    const after = await levels(shopId, "A");
    expect(Object.values(after).reduce((sum, l) => sum + l.quantity, 0)).toBe(25 - units("A"));
    expect(Object.values(after).every((l) => l.reserved === 0)).toBe(true);
    // Each location lost exactly what the committed holds had reserved there.
    for (const code of ["main", "east", "west"]) {
      const taken = committed
        .flatMap((h) => h.lines)
        .reduce((sum, line) => sum + (line.sku === "A" ? (line.at[code] ?? 0) : 0), 0);
      expect(after[code]!.quantity, code).toBe({ main: 5, east: 10, west: 10 }[code]! - taken);
    }
    await expectCleanBooks(shopId);
  });
});

describe("transfers racing holds", () => {
  it("never moves held units, and sold + left + in transit is what there was", async () => {
    const shopId = "race-transfer";
    await seed(shopId, {
      locations: [
        { code: "east", priority: 10 },
        { code: "floor", priority: 0, kind: "store", fulfilsOnline: false },
      ],
      stock: { A: { main: 60 } },
    });
    const line = (quantity: number) => [{ sku: "A", variantKey: "", quantity }];
    // Buyers hold one each and then pay or walk away; meanwhile stock moves to the shop floor, to east by road (and
    // is received), and back from east.
    const buyers = Array.from({ length: 90 }, async (_, n) => {
      const held = await hold(shopId, n, [["A", 1]]);
      if (!held.ok) return { held, settled: null };
      const store = instances[(n + 1) % 3]!.holds;
      const settled = await outcome(
        n % 3 === 0
          ? releaseInventoryHold({ shopId, holdId: held.value.holdId, store })
          : commitInventoryHold({ shopId, holdId: held.value.holdId, store }),
      );
      return { held, settled, committed: n % 3 !== 0 };
    });
    const transfers = Array.from({ length: 60 }, async (_, n) => {
      if (n % 3 === 0) {
        return outcome(locations.createTransfer({ shopId, from: "main", to: "floor", lines: line(2), actor: "ops" }));
      }
      if (n % 3 === 1) {
        const sent = await outcome(
          locations.createTransfer({ shopId, from: "main", to: "east", lines: line(1), inTransit: true, actor: "ops" }),
        );
        // Half of what is sent by road arrives during the sale.
        if (sent.ok && n % 2 === 0) {
          const received = await outcome(
            locations.receiveTransfer({ shopId, transferId: sent.value.id, actor: "east" }),
          );
          expect(received.ok).toBe(true);
        }
        return sent;
      }
      return outcome(locations.createTransfer({ shopId, from: "east", to: "main", lines: line(1), actor: "ops" }));
    });
    const [sale, moved] = await Promise.all([Promise.all(buyers), Promise.all(transfers)]);
    expect(Object.keys(refusals(sale.map((s) => s.held)))).toEqual(
      sale.some((s) => !s.held.ok) ? ["inventory_insufficient"] : [],
    );
    // Every hold granted was settled: no transfer took a unit a commit then missed.
    expect(sale.filter((s) => s.settled && !s.settled.ok)).toEqual([]);
    // A refused transfer is a conflict: the units were not free at the source.
    expect(Object.keys(refusals(moved)).filter((code) => code !== "conflict")).toEqual([]);
    const sold = sale.filter((s) => s.held.ok && s.committed).length;
    const rows = await locations.listLevels(shopId);
    const left = rows.reduce((sum, l) => sum + l.quantity, 0);
    const inTransit = rows.reduce((sum, l) => sum + l.incoming, 0);
    const onTheRoad = (await locations.listTransfers(shopId, { status: "in_transit", limit: 1000 })).reduce(
      (sum, t) => sum + t.lines.reduce((s, l) => s + l.quantity, 0),
      0,
    );
    expect(inTransit).toBe(onTheRoad);
    expect(sold + left + inTransit).toBe(60);
    expect(rows.every((l) => l.reserved === 0)).toBe(true);
    expect(moved.filter((m) => m.ok).length).toBeGreaterThan(0);
    await expectCleanBooks(shopId);
  });
});

describe("a location going on and offline while holds race", () => {
  it("moves the shop's totals once per change, refuses while units are held there, and keeps every book", async () => {
    const shopId = "race-toggle";
    await seed(shopId, {
      locations: [{ code: "east", priority: 10 }],
      stock: { A: { main: 30, east: 30 } },
    });
    const buyers = Array.from({ length: 150 }, async (_, n) => {
      const held = await hold(shopId, n, [["A", 1 + (n % 2)]]);
      if (held.ok && n % 4 !== 0) {
        const released = await outcome(
          releaseInventoryHold({ shopId, holdId: held.value.holdId, store: instances[n % 3]!.holds }),
        );
        expect(released.ok).toBe(true);
      }
      return held;
    });
    // Three operators toggling east at once (each change asked by all three together), and one going through every
    // flag.
    const toggler = (operator: number) =>
      (async () => {
        const answers: Array<Outcome<unknown>> = [];
        for (let i = 0; i < 12; i++) {
          answers.push(
            await outcome(
              locations.updateLocation({ shopId, code: "east", active: i % 2 === 1, actor: `op${operator}` }),
            ),
          );
        }
        return answers;
      })();
    const flags = (async () => {
      const answers: Array<Outcome<unknown>> = [];
      for (const change of [{ fulfilsOnline: false }, { active: true }, { fulfilsOnline: true }, { priority: 50 }]) {
        answers.push(await outcome(locations.updateLocation({ shopId, code: "east", actor: "op-flags", ...change })));
      }
      return answers;
    })();
    // Edits at east while it changes, and a variant created there.
    const edits = Array.from({ length: 20 }, (_, n) =>
      outcome<unknown>(
        n === 7
          ? stock.upsertItems(shopId, [{ sku: "NEW", productId: "new", quantity: 5, location: "east" }], {
              reason: "import",
              actor: "op-edit",
            })
          : stock.adjustQuantity({
              shopId,
              sku: "A",
              variantKey: "",
              location: n % 2 === 0 ? "east" : "main",
              delta: 1,
              reason: "restock",
              actor: "op-edit",
            }),
      ),
    );
    const [sale, toggled, flagged, edited] = await Promise.all([
      Promise.all(buyers),
      Promise.all([toggler(0), toggler(1), toggler(2)]).then((answers) => answers.flat()),
      flags,
      Promise.all(edits),
    ]);
    expect(Object.keys(refusals(sale)).filter((code) => code !== "inventory_insufficient")).toEqual([]);
    expect(refusals(edited)).toEqual({});
    // A toggle is done or refused because units are held at east; nothing else.
    expect(Object.keys(refusals([...toggled, ...flagged])).filter((code) => code !== "conflict")).toEqual([]);
    await expectCleanBooks(shopId);

    // East online again: the shop's total is both locations.
    await locations.updateLocation({ shopId, code: "east", active: true, fulfilsOnline: true, actor: "op" });
    const a = await levels(shopId, "A");
    expect(await stock.getItem(shopId, { sku: "A", variantKey: "" })).toMatchObject({
      quantity: a.main!.quantity + a.east!.quantity,
      reserved: a.main!.reserved + a.east!.reserved,
    });
    expect(a.main!.quantity + a.east!.quantity).toBe(60 + 20 - 1);
    expect(await stock.getItem(shopId, { sku: "NEW", variantKey: "" })).toMatchObject({ quantity: 5 });
    await expectCleanBooks(shopId);
  });
});

describe("changes of one location asked at the same moment", () => {
  /** Waits until this many statements of the test database wait for a lock. */
  async function lockWaiters(count: number) {
    for (;;) {
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it("decides each on the location as it is once locked: the totals move once, and no change undoes another", async () => {
    const shopId = "race-same";
    await seed(shopId, { locations: [{ code: "east", priority: 10 }], stock: { A: { main: 4, east: 6 } } });
    const blocker = await db.pool.connect();
    try {
      // Someone holds east's row; every change below reads east online, then queues behind it in this order.
      await blocker.query("BEGIN");
      await blocker.query(`SELECT 1 FROM "StockLocation" WHERE "shopId" = $1 AND code = 'east' FOR UPDATE`, [shopId]);
      const first = outcome(locations.updateLocation({ shopId, code: "east", active: false, actor: "op1" }));
      await lockWaiters(1);
      const second = outcome(locations.updateLocation({ shopId, code: "east", active: false, actor: "op2" }));
      await lockWaiters(2);
      const keep = outcome(locations.updateLocation({ shopId, code: "east", active: true, priority: 5, actor: "op3" }));
      await lockWaiters(3);
      await blocker.query("COMMIT");
      expect((await Promise.all([first, second, keep])).map((o) => o.ok)).toEqual([true, true, true]);
    } finally {
      blocker.release();
    }
    // East went offline once (the second found it offline already), and the third, asking for what it had read,
    // left it offline.
    expect((await locations.listLocations(shopId)).find((l) => l.code === "east")).toMatchObject({
      active: false,
      online: false,
      priority: 5,
    });
    expect(await stock.getItem(shopId, { sku: "A", variantKey: "" })).toMatchObject({ quantity: 4 });
    await expectCleanBooks(shopId);
  });
});
