import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// The hold SQL functions called directly, answer by answer:
// inventory_create_holds_batch, the one place a hold request is decided (a
// batch where every request fits, one where none does, one where some do,
// idempotency keys), and inventory_settle_holds, the one place units come back.

let database: TestDatabase;
const expiresAt = new Date(Date.now() + 600_000).toISOString();
let seq = 0;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.destroy());
beforeEach(async () => {
  await database.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold" RESTART IDENTITY`,
  );
  await createPrismaInventoryStore(database).upsertItems(
    "batch",
    [
      { sku: "A", productId: "a", quantity: 2 },
      { sku: "B", productId: "b", quantity: 0 },
      { sku: "C", productId: "c", quantity: 5 },
    ],
    { reason: "import", actor: "test" },
  );
});

async function decide(requests: Array<Array<[string, number]> | { key: string; lines: Array<[string, number]> }>) {
  const payload = requests.map((request) => {
    const { key, lines } = Array.isArray(request) ? { key: undefined, lines: request } : request;
    return {
      holdId: `h${++seq}`,
      expiresAt,
      ...(key ? { idempotencyKey: key, fingerprint: "f" } : {}),
      lines: lines.map(([sku, quantity]) => ({ sku, variantKey: "", quantity })),
    };
  });
  const { rows } = await database.pool.query<{ r: Array<Record<string, unknown>> }>(
    `SELECT inventory_create_holds_batch('batch', $1::jsonb, now()) AS r`,
    [JSON.stringify(payload)],
  );
  return rows[0]!.r.map((answer) =>
    answer.outcome === "insufficient" ? { insufficient: answer.insufficient } : answer.outcome,
  );
}

async function reserved() {
  const { rows } = await database.pool.query<{ sku: string; reserved: number }>(
    `SELECT sku, reserved FROM "InventoryItem" ORDER BY sku`,
  );
  return Object.fromEntries(rows.map((row) => [row.sku, row.reserved]));
}

const short = (sku: string, requested: number, available: number) => ({ sku, variantKey: "", requested, available });

it("every request fits together: all created", async () => {
  expect(
    await decide([
      [["A", 1]],
      [
        ["A", 1],
        ["C", 2],
      ],
      [["C", 3]],
    ]),
  ).toEqual(["created", "created", "created"]);
  expect(await reserved()).toEqual({ A: 2, B: 0, C: 5 });
});

it("none fits: every shortfall named per line, and nothing held", async () => {
  expect(
    await decide([
      [["A", 3]],
      [
        ["C", 1],
        ["B", 1],
      ],
      [["Z", 1]],
      [
        ["A", 3],
        ["C", 6],
      ],
    ]),
  ).toEqual([
    { insufficient: [short("A", 3, 2)] },
    { insufficient: [short("B", 1, 0)] },
    { insufficient: [short("Z", 1, 0)] },
    { insufficient: [short("A", 3, 2), short("C", 6, 5)] },
  ]);
  expect(await reserved()).toEqual({ A: 0, B: 0, C: 0 });
});

it("some fit: first come, first served, a refused request leaving its units to later ones", async () => {
  expect(
    await decide([
      [["A", 1]],
      [["A", 2]],
      [
        ["A", 1],
        ["C", 1],
      ],
      [["A", 1]],
    ]),
  ).toEqual(["created", { insufficient: [short("A", 2, 1)] }, "created", { insufficient: [short("A", 1, 0)] }]);
  expect(await reserved()).toEqual({ A: 2, B: 0, C: 1 });
});

it("an idempotency key seen before, or twice in the batch, is answered as the existing hold", async () => {
  expect(await decide([{ key: "k1", lines: [["C", 1]] }])).toEqual(["created"]);
  expect(
    await decide([
      { key: "k1", lines: [["C", 1]] },
      { key: "k2", lines: [["C", 1]] },
      { key: "k2", lines: [["C", 1]] },
    ]),
  ).toEqual(["existing", "created", "existing"]);
  expect(await reserved()).toEqual({ A: 0, B: 0, C: 2 });
});

it("expiring re-reads the time after the lock: a hold extended meanwhile stays active and keeps its units", async () => {
  expect(await decide([[["C", 2]], [["C", 1]]])).toEqual(["created", "created"]);
  const ids = [`h${seq - 1}`, `h${seq}`];
  // The first lapsed; the second was extended (a delayed payment) after a reaper picked it.
  await database.pool.query(`UPDATE "InventoryHold" SET "expiresAt" = now() - interval '1 minute' WHERE id = $1`, [
    ids[0],
  ]);
  const { rows } = await database.pool.query<{ n: number }>(
    `SELECT inventory_settle_holds('batch', inventory_lock('batch', NULL, $1::text[], '{}', '{}', false), 'expired', now()) AS n`,
    [ids],
  );
  expect(rows[0]!.n).toBe(1);
  const status = await database.pool.query<{ id: string; status: string }>(
    `SELECT id, status FROM "InventoryHold" WHERE id = ANY($1::text[]) ORDER BY id`,
    [ids],
  );
  expect(Object.fromEntries(status.rows.map((row) => [row.id, row.status]))).toEqual({
    [ids[0]!]: "expired",
    [ids[1]!]: "active",
  });
  expect(await reserved()).toEqual({ A: 0, B: 0, C: 1 });
});
