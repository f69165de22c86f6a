import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// What stock events cost, read from PostgreSQL's own counters for one transaction (pg_stat_xact_user_tables), not from
// timings: the hold path writes one event row per statement however many buyers it decides; a change of quantity on a
// variant with a 100,000-row ledger reads a few ledger rows, not its history; sequencing 10,000 events reads a few
// ledger rows for each one it has to link. The sequencer's time is printed, not asserted.

const SHOP = "cost-ev";
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [
      { sku: "HOT", productId: "hot", quantity: 1000 },
      { sku: "COLD", productId: "cold", quantity: 1000 },
    ],
    { reason: "import", actor: "t" },
  );
  // A long history on HOT (net zero, so the books still balance): 100,000 ledger rows of another transaction.
  await db.pool.query(
    `INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor)
     SELECT $1, 'HOT', '', 'main', CASE WHEN n % 2 = 1 THEN 1 ELSE -1 END, 1000 + n % 2, 'edit', 'history'
     FROM generate_series(1, 100000) n`,
    [SHOP],
  );
  await db.pool.query(`ANALYZE "StockLedgerEntry"`);
}, 120_000);
afterAll(async () => {
  await db?.destroy();
});

interface Counters {
  ledgerFetched: number;
  eventsInserted: number;
}

/**
 * Runs `work` in a transaction (rolled back unless `commit`) on a connection of its own and reads what it did to the
 * ledger and the events (a new connection: no counts of earlier transactions not yet flushed to the shared stats).
 */
async function counted(work: (client: pg.Client) => Promise<void>, commit = false): Promise<Counters> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await work(client);
    const { rows } = await client.query<{ relname: string; fetched: string; inserted: string }>(
      `SELECT relname, (coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0))::text AS fetched, n_tup_ins::text AS inserted
       FROM pg_stat_xact_user_tables WHERE relname IN ('StockLedgerEntry', 'StockEvent')`,
    );
    await client.query(commit ? "COMMIT" : "ROLLBACK");
    const of = (name: string) => rows.find((row) => row.relname === name);
    return {
      ledgerFetched: Number(of("StockLedgerEntry")?.fetched ?? 0),
      eventsInserted: Number(of("StockEvent")?.inserted ?? 0),
    };
  } finally {
    await client.end();
  }
}

describe("what stock events cost", () => {
  it("the hold path writes one event row per deciding statement: 50 buyers on one variant, one row", async () => {
    const expiresAt = new Date(Date.now() + 600_000).toISOString();
    const requests = Array.from({ length: 50 }, (_, n) => ({
      holdId: `cost-${n}`,
      expiresAt,
      lines: [{ sku: "COLD", variantKey: "", quantity: 1 }],
    }));
    const cost = await counted(async (client) => {
      await client.query(`SELECT inventory_create_holds_batch($1, $2::jsonb, now())`, [SHOP, JSON.stringify(requests)]);
    });
    expect(cost).toEqual({ ledgerFetched: 0, eventsInserted: 1 });
  });

  it("an edit on a variant with a 100,000-row ledger reads as few ledger rows to link its event as on a new one", async () => {
    const edit = (sku: string) =>
      counted(async (client) => {
        await client.query(`SELECT inventory_write_levels($1, $2::jsonb, 'edit', 't', NULL, now())`, [
          SHOP,
          JSON.stringify([{ sku, variantKey: "", location: "main", delta: 1 }]),
        ]);
      });
    const hot = await edit("HOT");
    const cold = await edit("COLD");
    console.log(
      `one edit: ${hot.ledgerFetched} ledger rows read on HOT (100,000 ledger rows), ${cold.ledgerFetched} on COLD (one)`,
    );
    expect([hot.eventsInserted, cold.eventsInserted]).toEqual([1, 1]);
    expect(hot.ledgerFetched).toBeLessThanOrEqual(cold.ledgerFetched + 2);
    expect(hot.ledgerFetched).toBeLessThanOrEqual(10);
  });

  it("sequences 10,000 pending events with interleaved ledger rows, reading a few ledger rows per event it links", async () => {
    // 10,000 transactions, each its own commit: edits on HOT and COLD through the location path, writes from the
    // previous release on HOT (their ledger row comes after the change, so the sequencer links them), and holds taken
    // and given back on COLD by the previous release (reserved only).
    const started = Date.now();
    await db.pool.query(
      `DO $$
       BEGIN
         FOR i IN 1..10000 LOOP
           CASE i % 4
             WHEN 0 THEN
               WITH updated AS (
                 UPDATE "InventoryItem" SET quantity = quantity + 1, version = version + 1, "updatedAt" = now()
                 WHERE "shopId" = '${SHOP}' AND sku = 'HOT' RETURNING "shopId", sku, "variantKey", quantity
               )
               INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor)
               SELECT "shopId", sku, "variantKey", 1, quantity, 'edit', 'ops@old-release' FROM updated;
             WHEN 1 THEN
               PERFORM inventory_write_levels('${SHOP}', '[{"sku": "HOT", "variantKey": "", "location": "main", "delta": -1}]',
                 'edit', 't', NULL, now());
             WHEN 2 THEN
               PERFORM inventory_write_levels('${SHOP}', '[{"sku": "COLD", "variantKey": "", "location": "main", "delta": 1}]',
                 'restock', 't', NULL, now());
             ELSE
               UPDATE "InventoryItem" SET reserved = reserved + CASE WHEN i % 8 = 3 THEN 1 ELSE -1 END
               WHERE "shopId" = '${SHOP}' AND sku = 'COLD';
           END CASE;
           COMMIT;
         END LOOP;
       END $$`,
    );
    const written = Date.now() - started;
    const { rows: pending } = await db.pool.query<{ n: number; late: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE "ledgerEntryId" IS NULL AND "quantityAfter" <> "quantityBefore")::int AS late
       FROM "StockEvent" WHERE "shopId" = $1 AND seq IS NULL`,
      [SHOP],
    );
    expect(pending[0]!.n).toBe(10_002);
    expect(pending[0]!.late).toBe(2500);

    let numbered = 0;
    const sequenceStarted = process.hrtime.bigint();
    const cost = await counted(async (client) => {
      const { rows } = await client.query<{ n: number }>(`SELECT stock_events_sequence($1, 20000) AS n`, [SHOP]);
      numbered = rows[0]!.n;
    }, true);
    const ms = Number(process.hrtime.bigint() - sequenceStarted) / 1e6;
    console.log(
      `10,000 transactions written in ${written} ms; stock_events_sequence numbered ${numbered} events in ${ms.toFixed(0)} ms ` +
        `(${Math.round(numbered / (ms / 1000))} events/s), linking ${pending[0]!.late} late ones by reading ` +
        `${cost.ledgerFetched} ledger rows (${(cost.ledgerFetched / pending[0]!.late).toFixed(1)} per event)`,
    );
    expect(numbered).toBe(10_002);
    expect(cost.ledgerFetched / pending[0]!.late).toBeLessThanOrEqual(8);
    const { rows: unlinked } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "StockEvent"
       WHERE "shopId" = $1 AND "ledgerEntryId" IS NULL AND "quantityAfter" <> "quantityBefore"`,
      [SHOP],
    );
    expect(unlinked[0]!.n).toBe(0);
  }, 180_000);
  it("an import of 2,000 variants reads a few ledger rows per variant to link its events, not the shop's ledger", async () => {
    // A statement of thousands of rows is planned apart from a one-row edit: a look-up the planner answered from the
    // shop's createdAt index read the shop's whole ledger once per variant (a 10,000-row import took 30 s).
    const skus = Array.from({ length: 2000 }, (_, n) => `IMP-${String(n).padStart(4, "0")}`);
    await createPrismaInventoryStore(db).upsertItems(
      SHOP,
      skus.map((sku) => ({ sku, productId: "imp", quantity: 1 })),
      { reason: "import", actor: "t" },
    );
    await db.pool.query(`ANALYZE "StockLedgerEntry"`);
    const cost = await counted(async (client) => {
      await client.query(`SELECT inventory_write_levels($1, $2::jsonb, 'import', 't', NULL, now())`, [
        SHOP,
        JSON.stringify(skus.map((sku) => ({ sku, variantKey: "", location: "main", quantity: 3 }))),
      ]);
    });
    console.log(
      `a 2,000-variant import read ${cost.ledgerFetched} ledger rows to link its ${cost.eventsInserted} events`,
    );
    expect(cost.eventsInserted).toBe(2000);
    expect(cost.ledgerFetched).toBeLessThan(2000 * 10);
  });
});
