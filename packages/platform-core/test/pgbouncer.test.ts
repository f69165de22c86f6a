import { startPgBouncer, type RunningPgBouncer } from "@acme/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/db/prisma-client.ts";
import { commitPaidInventoryHold } from "../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import { releaseExpiredInventoryHolds } from "../src/holds/release-expired-inventory-holds.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { validateInventoryAvailability } from "../src/validation/validate-inventory-availability.ts";
import { runHoldSale, stockRow } from "./support/hold-sale.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// The deployment shape: many instances behind PgBouncer in transaction mode
// (Debian's binary; fetched from the archive when it is not installed). Each
// transaction may run on another server connection, and there are far fewer
// server connections than clients, so nothing on the path may rely on session
// state, LISTEN or session-level locks.

let database: TestDatabase;
let bouncer: RunningPgBouncer;
let pooled: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  // Four server connections for every client of every process below.
  bouncer = await startPgBouncer({ upstreamUrl: database.url, poolSize: 4 });
  pooled = createDatabase({ url: bouncer.url, poolSize: 16 });
}, 120_000);
afterAll(async () => {
  await pooled?.close();
  await bouncer?.stop();
  await database?.destroy();
});

const item = (shopId: string, sku: string) => stockRow(database.pool, shopId, sku);

it("runs through PgBouncer in transaction mode: eight clients in transactions share four server connections", async () => {
  const seen = new Set<number>();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      const client = await pooled.pool.connect();
      try {
        await client.query("BEGIN");
        seen.add((await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    }),
  );
  // Eight clients in open transactions, served one after another by at most four server connections.
  expect(seen.size).toBeGreaterThan(0);
  expect(seen.size).toBeLessThanOrEqual(4);
  expect(new URL(bouncer.url).port).not.toBe(new URL(database.url).port);
});

it("grants exactly the stock to buyers in four processes through PgBouncer, and the books balance", async () => {
  const stock = createPrismaInventoryStore(pooled);
  await stock.upsertItems(
    "bounced",
    [
      { sku: "HOT", productId: "hot", quantity: 300 },
      { sku: "COLD", productId: "cold", quantity: 1000 },
    ],
    {
      reason: "import",
      actor: "test",
    },
  );
  const summaries = await runHoldSale(
    [0, 1, 2, 3].map((n) => ({
      url: bouncer.url,
      shopId: "bounced",
      lines:
        n % 2 === 0
          ? [{ sku: "HOT", quantity: 1 }]
          : [
              { sku: "COLD", quantity: 1 },
              { sku: "HOT", quantity: 1 },
            ],
      buyers: 16,
      attempts: 6,
      poolSize: 4,
    })),
  );
  const granted = summaries.flatMap((s) => s.granted);
  const other = summaries.flatMap((s) => Object.keys(s.codes).filter((code) => code !== "inventory_insufficient"));
  expect({ granted: granted.length, unique: new Set(granted).size, other }).toEqual({
    granted: 300,
    unique: 300,
    other: [],
  });
  expect(await item("bounced", "HOT")).toEqual({ quantity: 300, reserved: 300 });
  expect((await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "HoldRequest"`)).rows[0]!.n).toBe(0);

  // Every other path through the pooler too: paid commits (with their events), releases, the reaper, validation,
  // reconcile.
  const holds = createPrismaHoldStore(pooled);
  const [paid, released] = [granted.slice(0, 100), granted.slice(100, 150)];
  await Promise.all(
    paid.map((holdId, n) =>
      commitPaidInventoryHold({
        shopId: "bounced",
        holdId,
        actor: "test",
        checkoutSessionId: `cs_${n}`,
        event: { id: `evt_${n}`, type: "checkout.session.completed" },
        store: holds,
      }),
    ),
  );
  await Promise.all(released.map((holdId) => releaseInventoryHold({ shopId: "bounced", holdId, store: holds })));
  const later = new Date(Date.now() + 3_600_000);
  expect(await releaseExpiredInventoryHolds({ shopId: "bounced", limit: 10_000, now: later, store: holds })).toBe(150);
  const hot = await item("bounced", "HOT");
  expect(hot).toEqual({ quantity: 200, reserved: 0 });
  expect(await validateInventoryAvailability("bounced", [{ sku: "HOT", quantity: 200 }], { store: stock })).toEqual({
    ok: true,
  });
  expect((await reconcileInventoryReserved({ shopId: "bounced", store: holds })).drift).toEqual([]);

  // And one more hold from this process, decided through the queue.
  const one = await createInventoryHold({
    shopId: "bounced",
    requests: [{ sku: "HOT", quantity: 2 }],
    ttlSeconds: 60,
    store: holds,
  });
  expect(one.created).toBe(true);
  expect(await item("bounced", "HOT")).toEqual({ quantity: 200, reserved: 2 });
}, 180_000);
