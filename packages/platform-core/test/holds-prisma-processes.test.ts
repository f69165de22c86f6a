import { afterAll, beforeAll, expect, it } from "vitest";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { runHoldSale, startHoldWorker, stockRow, type HoldSaleSummary } from "./support/hold-sale.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Hold requests from several OS processes, each with its own pool (as
// serverless instances are), decided together through the shared request
// queue: never more granted than stock, every caller its own answer, and an
// instance killed mid-sale leaves nobody waiting and nothing unaccounted.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});

const item = (shopId: string, sku: string) => stockRow(database.pool, shopId, sku);

it("grants exactly the stock to buyers spread over four processes, in shared transactions", async () => {
  const stock = createPrismaInventoryStore(database);
  await stock.upsertItems(
    "multi",
    [
      { sku: "HOT", productId: "hot", quantity: 400 },
      { sku: "COLD", productId: "cold", quantity: 1000 },
    ],
    {
      reason: "import",
      actor: "test",
    },
  );
  const summaries = await runHoldSale(
    [0, 1, 2, 3].map((n) => ({
      url: database.url,
      shopId: "multi",
      // Half the processes also take a cold variant: multi-line requests batch with single-line ones.
      lines:
        n % 2 === 0
          ? [{ sku: "HOT", quantity: 1 }]
          : [
              { sku: "COLD", quantity: 1 },
              { sku: "HOT", quantity: 1 },
            ],
      buyers: 16,
      // Long enough a sale that the processes' requests overlap, even on a busy machine.
      attempts: 10,
      poolSize: 4,
    })),
  );
  const granted = summaries.flatMap((s) => s.granted);
  const refused = summaries.reduce((total, s) => total + (s.codes.inventory_insufficient ?? 0), 0);
  const other = summaries.flatMap((s) => Object.keys(s.codes).filter((code) => code !== "inventory_insufficient"));
  expect({ granted: granted.length, refused, other }).toEqual({ granted: 400, refused: 4 * 16 * 10 - 400, other: [] });
  expect(new Set(granted).size).toBe(400);
  expect(await item("multi", "HOT")).toEqual({ quantity: 400, reserved: 400 });
  const holds = createPrismaHoldStore(database);
  expect(
    (await holds.listHolds({ shopId: "multi", status: "active", now: new Date(), limit: 1000 }))
      .map((h) => h.holdId)
      .sort(),
  ).toEqual([...granted].sort());
  expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
  // Shared transactions, not only correct ones: some transaction granted holds
  // of more than one process (a row's xmin is the transaction that inserted it).
  const owner = new Map(summaries.flatMap((s, index) => s.granted.map((id) => [id, index] as const)));
  const inserts = await database.pool.query<{ id: string; tx: string }>(
    `SELECT id, xmin::text AS tx FROM "InventoryHold" WHERE id = ANY($1::text[])`,
    [granted],
  );
  const processesPerTransaction = new Map<string, Set<number>>();
  for (const row of inserts.rows)
    processesPerTransaction.set(row.tx, (processesPerTransaction.get(row.tx) ?? new Set()).add(owner.get(row.id)!));
  expect(Math.max(...[...processesPerTransaction.values()].map((set) => set.size))).toBeGreaterThan(1);
  // Every request was answered and taken: the queue is empty.
  expect((await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "HoldRequest"`)).rows[0]!.n).toBe(0);
}, 120_000);

it("an instance killed mid-sale leaves no caller waiting and every unit accounted for", async () => {
  const stock = createPrismaInventoryStore(database);
  await stock.upsertItems("killed", [{ sku: "HOT", productId: "hot", quantity: 100_000 }], {
    reason: "import",
    actor: "test",
  });
  const command = {
    url: database.url,
    shopId: "killed",
    lines: [{ sku: "HOT", quantity: 1 }],
    buyers: 16,
    attempts: 40,
    poolSize: 4,
  };
  const survivors = [0, 1].map(() => startHoldWorker(command));
  const victim = startHoldWorker(command);
  await Promise.all([...survivors, victim].map((w) => w.ready));
  for (const w of [...survivors, victim]) w.child.stdin.write("go\n");
  await new Promise((resolve) => setTimeout(resolve, 300));
  victim.child.kill("SIGKILL");
  const summaries = (await Promise.all(survivors.map((w) => w.done))) as HoldSaleSummary[];
  expect(await victim.done).toBeUndefined();

  // The survivors' every request was answered, and none failed.
  for (const summary of summaries) {
    expect(summary.codes).toEqual({});
    expect(summary.granted.length).toBe(16 * 40);
  }
  // Whatever the victim's requests became (decided by another instance or dropped), the books balance.
  const holds = createPrismaHoldStore(database);
  const active = await database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "InventoryHold" WHERE "shopId" = 'killed' AND status = 'active'`,
  );
  expect(active.rows[0]!.n).toBeGreaterThanOrEqual(2 * 16 * 40);
  const row = await item("killed", "HOT");
  const held = await database.pool.query<{ units: number }>(
    `SELECT coalesce(sum(hi.quantity), 0)::int AS units FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
     WHERE h."shopId" = 'killed' AND h.status = 'active'`,
  );
  expect(row!.reserved).toBe(held.rows[0]!.units);
  expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
}, 120_000);
