import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/db/prisma-client.ts";
import { isInventoryError } from "../src/errors/inventory-error.ts";
import { commitInventoryHold } from "../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import type { HoldStore } from "../src/holds/types.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import type { LocationStore } from "../src/locations/types.ts";
import { sequenceStockEvents } from "../src/stock-events/sequence-stock-events.ts";
import { expectStockEventBooks } from "./support/stock-event-books.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Stock events under load from several instances (each its own pool and stores): buyers holding, paying and letting
// go, operators editing and moving stock between two locations, on a few variants of two shops, while two sequencers
// number events the whole time. Afterwards each shop's numbers are 1..N, every level's events chain from nothing to
// the level as it is, in sequence order (commit order per variant), and events and ledger name each other one to one.

const SHOPS = ["race-ev-a", "race-ev-b"] as const;
const SKUS = ["A", "B", "C"] as const;

let db: TestDatabase;
const instances: Array<{ database: Database; stock: InventoryStore; holds: HoldStore; locations: LocationStore }> = [];

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  for (const batching of [true, true, false]) {
    const database = createDatabase({ url: db.url, poolSize: 5 });
    instances.push({
      database,
      stock: createPrismaInventoryStore(database),
      holds: createPrismaHoldStore(database, batching ? {} : { batching: false }),
      locations: createPrismaLocationStore(database),
    });
  }
});
afterAll(async () => {
  for (const instance of instances) await instance.database.close();
  await db?.destroy();
});

/** A seeded random source (mulberry32), so a failing run can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Expected refusals of a racing operation (no stock, a hold settled meanwhile, a transfer short): not failures. */
const EXPECTED = new Set(["inventory_insufficient", "conflict", "not_found", "validation_failed"]);

describe("stock events under concurrent writers and sequencers", () => {
  it("are numbered 1..N per shop, chain level by level in sequence order and match the ledger one to one", async () => {
    const seed = Number(process.env.STOCK_EVENTS_SEED ?? Date.now() % 100_000);
    console.log(`stock events concurrency seed ${seed} (STOCK_EVENTS_SEED=${seed} replays it)`);
    const [setup] = instances;
    for (const shopId of SHOPS) {
      await setup!.locations.createLocation({
        shopId,
        code: "east",
        name: "East",
        priority: 10,
        kind: "warehouse",
        actor: "t",
      });
      await setup!.stock.upsertItems(
        shopId,
        SKUS.flatMap((sku) => [
          { sku, productId: sku.toLowerCase(), quantity: 12, location: "main" },
          { sku, productId: sku.toLowerCase(), quantity: 8, location: "east" },
        ]),
        { reason: "import", actor: "t" },
      );
    }

    let writing = true;
    const unexpected: string[] = [];
    const counts: Record<string, number> = {};
    const note = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);
    const attempt = async (what: string, run: () => Promise<unknown>) => {
      try {
        await run();
        note(what);
      } catch (error) {
        if (isInventoryError(error) && EXPECTED.has(error.code)) note(`${what} refused`);
        else unexpected.push(`${what}: ${String(error)}`);
      }
    };

    const sequenced: [number, number] = [0, 0];
    const sequencers = ([0, 1] as const).map(async (n) => {
      const { database } = instances[n]!;
      while (writing) {
        for (const numbered of (await sequenceStockEvents({ db: database, batchSize: 7 })).values())
          sequenced[n] += numbered;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });

    const worker = async (w: number) => {
      const next = random(seed * 31 + w);
      const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
      const instance = instances[w % instances.length]!;
      const open: Array<{ shopId: string; holdId: string }> = [];
      for (let step = 0; step < 60; step++) {
        const shopId = pick(SHOPS);
        const sku = pick(SKUS);
        const roll = next();
        if (roll < 0.4) {
          await attempt("hold", async () => {
            const lines = next() < 0.3 ? [sku, pick(SKUS.filter((s) => s !== sku))] : [sku];
            const held = await createInventoryHold({
              shopId,
              requests: lines.map((s) => ({ sku: s, quantity: 1 + Math.floor(next() * 3) })),
              ttlSeconds: 600,
              store: instance.holds,
            });
            open.push({ shopId, holdId: held.holdId });
          });
        } else if (roll < 0.6 && open.length > 0) {
          const { shopId: at, holdId } = open.splice(Math.floor(next() * open.length), 1)[0]!;
          await attempt("commit", () => commitInventoryHold({ shopId: at, holdId, store: instance.holds }));
        } else if (roll < 0.7 && open.length > 0) {
          const { shopId: at, holdId } = open.splice(Math.floor(next() * open.length), 1)[0]!;
          await attempt("release", () => releaseInventoryHold({ shopId: at, holdId, store: instance.holds }));
        } else if (roll < 0.85) {
          await attempt("edit", () =>
            instance.stock.adjustQuantity({
              shopId,
              sku,
              variantKey: "",
              location: pick(["main", "east"]),
              delta: pick([-2, -1, 1, 2, 3]),
              reason: "correction",
              actor: `worker-${w}`,
            }),
          );
        } else {
          const from = pick(["main", "east"]);
          await attempt("transfer", () =>
            instance.locations.createTransfer({
              shopId,
              from,
              to: from === "main" ? "east" : "main",
              lines: [{ sku, variantKey: "", quantity: 1 + Math.floor(next() * 2) }],
              inTransit: false,
              actor: `worker-${w}`,
            }),
          );
        }
      }
      // What is still held is let go half the time, so the books end with both held and free units.
      for (const { shopId, holdId } of open) {
        if (next() < 0.5)
          await attempt("release", () => releaseInventoryHold({ shopId, holdId, store: instance.holds }));
      }
    };

    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, (_, w) => worker(w)));
    writing = false;
    await Promise.all(sequencers);
    console.log(
      `${Date.now() - started} ms; operations ${JSON.stringify(counts)}; numbered by the two sequencers while writers ran: ${sequenced.join(" + ")}`,
    );
    expect(unexpected).toEqual([]);
    expect(counts.hold).toBeGreaterThan(20);
    expect(counts.commit).toBeGreaterThan(5);
    expect(counts.edit).toBeGreaterThan(10);
    expect(counts.transfer).toBeGreaterThan(5);
    expect(sequenced[0] + sequenced[1]).toBeGreaterThan(0);

    const books = await expectStockEventBooks(db, SHOPS);
    console.log(`events per shop: ${JSON.stringify(Object.fromEntries(books.events))}`);
    expect((await instances[0]!.locations.reconcile()).drift).toEqual([]);
  });
});
