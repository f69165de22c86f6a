import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { applyMigrations, readMigrations } from "../src/db/migrations.ts";
import { createDatabase, type Database } from "../src/db/prisma-client.ts";
import { InventoryError } from "../src/errors/inventory-error.ts";
import { postgresErrorCode } from "../src/errors/postgres-error-code.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import { createEmptyDatabase } from "./support/test-database.ts";

// The move to stock locations as production meets it (docs/locations-migration.md): the migration applied while
// checkouts, the reaper and operator edits go on, first through the code from before locations (its SQL calls, made
// here as that code made them), then also through the library's stores; and its rollback, run by hand, under the same
// load, then the migrations applied again. Durations are printed, never asserted.

const MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
const ROLLBACK_SQL = fileURLToPath(
  new URL("../../../prisma/rollback/20261202020000_stock_locations.down.sql", import.meta.url),
);
const STOCK_LOCATIONS = "20261202020000_stock_locations";
/** Stock locations and every migration after it: what the rollback script takes back. */
async function locationMigrations(): Promise<string[]> {
  return (await readMigrations(MIGRATIONS_DIR)).map((m) => m.name).filter((name) => name >= STOCK_LOCATIONS);
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small seeded generator, so a failing run can be read again with the same carts. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Variant {
  shopId: string;
  sku: string;
  variantKey: string;
  quantity: number;
}

interface Line {
  sku: string;
  variantKey: string;
  quantity: number;
}

const id = (shopId: string, sku: string, variantKey: string) => `${shopId} ${sku} [${variantKey}]`;

/** What the callers saw: units they added or removed by editing, and units sold to them. */
class Books {
  readonly edits = new Map<string, number>();
  readonly sold = new Map<string, number>();

  edit(shopId: string, sku: string, variantKey: string, delta: number) {
    const key = id(shopId, sku, variantKey);
    this.edits.set(key, (this.edits.get(key) ?? 0) + delta);
  }

  sell(shopId: string, lines: Line[]) {
    for (const line of lines) {
      const key = id(shopId, line.sku, line.variantKey);
      this.sold.set(key, (this.sold.get(key) ?? 0) + line.quantity);
    }
  }
}

interface Sample {
  kind: string;
  start: number;
  end: number;
}

/** One load: its workers, what they saw, and every failure that reached a caller. */
interface Run {
  books: Books;
  samples: Sample[];
  failures: string[];
  counts: Map<string, number>;
  phase: string;
  stopped: boolean;
  tasks: Array<Promise<void>>;
  lapsing: Array<{ shopId: string; holdId: string; lines: Line[]; expiresAt: number }>;
  next: () => number;
  sequence: number;
  /** Names this run's holds apart from another run's on the same database. */
  seed: number;
}

/** Every load started, stopped after each test whatever its outcome (a failed migration must not leave it running). */
const runs: Run[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) await stop(run);
});

function newRun(seed: number): Run {
  const run: Run = {
    books: new Books(),
    samples: [],
    failures: [],
    counts: new Map(),
    phase: "before",
    stopped: false,
    tasks: [],
    lapsing: [],
    next: random(seed),
    sequence: 0,
    seed,
  };
  runs.push(run);
  return run;
}

function count(run: Run, what: string) {
  const key = `${run.phase}: ${what}`;
  run.counts.set(key, (run.counts.get(key) ?? 0) + 1);
}

function describeError(error: unknown): string {
  if (error instanceof InventoryError) {
    return `InventoryError ${error.code} (SQLSTATE ${postgresErrorCode(error) ?? "none"}): ${error.message} ${JSON.stringify(error.details ?? {})}`;
  }
  const state = (error as { code?: unknown }).code;
  return `SQLSTATE ${typeof state === "string" ? state : "none"}: ${error instanceof Error ? error.message : String(error)}`;
}

/** Runs one caller's request, timing it; an error is a failure unless `expected` says it is a business answer. */
async function timed<T>(
  run: Run,
  kind: string,
  fn: () => Promise<T>,
  expected?: (error: unknown) => string | undefined,
): Promise<T | undefined> {
  const start = performance.now();
  try {
    return await fn();
  } catch (error) {
    const answer = expected?.(error);
    if (answer) count(run, answer);
    else run.failures.push(`${run.phase} ${kind}: ${describeError(error)}`);
    return undefined;
  } finally {
    run.samples.push({ kind, start, end: performance.now() });
  }
}

function spawn(run: Run, loop: () => Promise<void>) {
  run.tasks.push(
    (async () => {
      while (!run.stopped) await loop();
    })(),
  );
}

async function stop(run: Run) {
  run.stopped = true;
  await Promise.all(run.tasks);
  run.tasks = [];
  run.stopped = false;
}

/** A cart of one shop's distinct variants, sorted as the library sorts them; a shop's first variant is its hot one. */
function cart(run: Run, variants: Variant[]): { shopId: string; lines: Line[] } {
  const shops = [...new Set(variants.map((v) => v.shopId))];
  const shopId = shops[run.next() < 0.7 ? 0 : shops.length - 1]!;
  const mine = variants.filter((v) => v.shopId === shopId);
  const picked = new Set<Variant>();
  if (run.next() < 0.6) picked.add(mine[0]!);
  const extra = 1 + Math.floor(run.next() * 2);
  while (picked.size < extra) picked.add(mine[Math.floor(run.next() * mine.length)]!);
  const lines = [...picked]
    .map((v) => ({ sku: v.sku, variantKey: v.variantKey, quantity: 1 + Math.floor(run.next() * 3) }))
    .sort((a, b) => (a.sku === b.sku ? (a.variantKey < b.variantKey ? -1 : 1) : a.sku < b.sku ? -1 : 1));
  return { shopId, lines };
}

// ---------------------------------------------------------------------------------------------------------------
// The code from before locations, as its SQL calls were (src/holds/prisma-hold-store.ts and
// src/inventory/prisma-inventory-store.ts of that release): the hold functions, and stock edits as a plain UPDATE of
// InventoryItem with a ledger row that names no location.

async function oldHold(pool: pg.Pool, shopId: string, holdId: string, lines: Line[], ttlMs: number) {
  const now = new Date();
  const request = { holdId, expiresAt: new Date(now.getTime() + ttlMs).toISOString(), lines };
  const { rows } = await pool.query<{ results: Array<{ outcome: string }> }>(
    `SELECT inventory_create_holds_batch($1, $2::jsonb, $3::timestamptz) AS results`,
    [shopId, JSON.stringify([request]), now],
  );
  return rows[0]!.results[0]!;
}

async function oldSettle(pool: pg.Pool, shopId: string, kind: "commit" | "commit_paid" | "release", holdId: string) {
  const { rows } = await pool.query<{ results: Array<{ outcome: string }> }>(
    `SELECT inventory_settle_batch($1, $2::jsonb, $3::timestamptz) AS results`,
    [shopId, JSON.stringify([{ kind, holdId, actor: "checkout" }]), new Date()],
  );
  return rows[0]!.results[0]!.outcome;
}

async function oldReap(pool: pg.Pool, shopId: string) {
  const { rows } = await pool.query<{ released: number }>(
    `SELECT inventory_release_expired_holds($1, 100, $2::timestamptz) AS released`,
    [shopId, new Date()],
  );
  return rows[0]!.released;
}

/** An operator's edit: lock the row (inventory_lock), read it, set quantity, write the ledger row; the change made. */
async function oldEdit(pool: pg.Pool, variant: Variant, wanted: number): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT inventory_lock($1, NULL, '{}', $2::text[], $3::text[], false)`, [
      variant.shopId,
      [variant.sku],
      [variant.variantKey],
    ]);
    const { rows } = await client.query<{ quantity: number; reserved: number }>(
      `SELECT quantity, reserved FROM "InventoryItem" WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = $3`,
      [variant.shopId, variant.sku, variant.variantKey],
    );
    const row = rows[0]!;
    const next = Math.max(row.reserved, row.quantity + wanted);
    const delta = next - row.quantity;
    if (delta !== 0) {
      await client.query(
        `WITH updated AS (
           UPDATE "InventoryItem" SET quantity = $4, version = version + 1, "updatedAt" = now()
           WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = $3
           RETURNING "shopId", sku, "variantKey", quantity
         )
         INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor, note)
         SELECT "shopId", sku, "variantKey", $5, quantity, 'edit', 'ops@old-release', NULL FROM updated`,
        [variant.shopId, variant.sku, variant.variantKey, next, delta],
      );
    }
    await client.query("COMMIT");
    return delta;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** An item created by the code from before locations: an INSERT and its import ledger row. */
async function oldCreateItem(pool: pg.Pool, variant: Variant) {
  await pool.query(
    `WITH created AS (
       INSERT INTO "InventoryItem" ("shopId", sku, "variantKey", "productId", "variantAttributes", quantity, "updatedAt")
       VALUES ($1, $2, $3, lower($2), '{}', $4, now()) RETURNING "shopId", sku, "variantKey", quantity
     )
     INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor)
     SELECT "shopId", sku, "variantKey", quantity, quantity, 'import', 'ops@old-release' FROM created`,
    [variant.shopId, variant.sku, variant.variantKey, variant.quantity],
  );
}

/** Items as the code from before locations imported them, each with a history of edits (a few thousand ledger rows). */
async function seedOld(pool: pg.Pool, variants: Variant[], historyPerVariant: number) {
  for (const v of variants) {
    await oldCreateItem(pool, v);
    await pool.query(
      `INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor, "createdAt")
       SELECT $1, $2, $3, d, $4 + CASE WHEN d > 0 THEN d ELSE 0 END, 'edit', 'ops@history', now() - make_interval(secs => $5 - n)
       FROM generate_series(1, $5) n, LATERAL (SELECT CASE WHEN n % 2 = 1 THEN 7 ELSE -7 END AS d) x
       ORDER BY n`,
      [v.shopId, v.sku, v.variantKey, v.quantity, historyPerVariant],
    );
  }
}

/** Checkouts, the reaper, late payments and operator edits through the code from before locations. */
function startOldLoad(run: Run, pool: pg.Pool, variants: Variant[], workers = { checkouts: 6, editors: 2 }) {
  const shops = [...new Set(variants.map((v) => v.shopId))];
  for (let i = 0; i < workers.checkouts; i++) {
    spawn(run, async () => {
      const { shopId, lines } = cart(run, variants);
      const holdId = `old-${run.seed}-${run.sequence++}`;
      const fate = run.next();
      const ttl = fate < 0.85 ? 60_000 : 100 + Math.floor(run.next() * 200);
      const answer = await timed(run, "checkout", () => oldHold(pool, shopId, holdId, lines, ttl));
      if (!answer) return;
      count(run, `old hold ${answer.outcome}`);
      if (answer.outcome !== "created") return;
      if (fate < 0.6) {
        const outcome = await timed(run, "checkout", () => oldSettle(pool, shopId, "commit", holdId));
        if (outcome === "committed") run.books.sell(shopId, lines);
        if (outcome) count(run, `old commit ${outcome}`);
      } else if (fate < 0.85) {
        const outcome = await timed(run, "checkout", () => oldSettle(pool, shopId, "release", holdId));
        if (outcome) count(run, `old release ${outcome}`);
      } else {
        run.lapsing.push({ shopId, holdId, lines, expiresAt: Date.now() + ttl });
      }
    });
  }
  // Half the lapsed holds are paid for late (sold again from free stock, or recorded oversold); the reaper expires
  // the rest.
  spawn(run, async () => {
    const due = run.lapsing.findIndex((hold) => hold.expiresAt < Date.now());
    if (due < 0) {
      await sleep(10);
      return;
    }
    const [hold] = run.lapsing.splice(due, 1);
    if (run.next() < 0.5) return;
    const outcome = await timed(run, "checkout", () => oldSettle(pool, hold!.shopId, "commit_paid", hold!.holdId));
    if (outcome === "committed" || outcome === "recommitted") run.books.sell(hold!.shopId, hold!.lines);
    if (outcome) count(run, `old late payment ${outcome}`);
  });
  spawn(run, async () => {
    for (const shopId of shops) {
      const released = await timed(run, "reaper", () => oldReap(pool, shopId));
      if (released) count(run, "old reaper released some");
    }
    await sleep(20);
  });
  for (let i = 0; i < workers.editors; i++) {
    spawn(run, async () => {
      const variant = variants[Math.floor(run.next() * variants.length)]!;
      const wanted = Math.floor(run.next() * 11) - 4;
      const delta = await timed(run, "edit", () => oldEdit(pool, variant, wanted));
      if (delta !== undefined) {
        run.books.edit(variant.shopId, variant.sku, variant.variantKey, delta);
        count(run, "old edit");
      }
      await sleep(2);
    });
  }
}

/** Checkouts and operator edits through the library's stores (the release with locations). */
function startLibraryLoad(run: Run, database: Database, variants: Variant[]) {
  const holds = createPrismaHoldStore(database);
  const inventory = createPrismaInventoryStore(database);
  for (let i = 0; i < 4; i++) {
    spawn(run, async () => {
      const { shopId, lines } = cart(run, variants);
      const holdId = `lib-${run.seed}-${run.sequence++}`;
      const now = new Date();
      const answer = await timed(run, "checkout", () =>
        holds.createHold({ shopId, holdId, lines, expiresAt: new Date(now.getTime() + 60_000), now }),
      );
      if (!answer) return;
      count(run, `library hold ${answer.outcome}`);
      if (answer.outcome !== "created") return;
      if (run.next() < 0.65) {
        const done = await timed(run, "checkout", () =>
          holds.commitHold({ shopId, holdId, actor: "checkout", now: new Date() }),
        );
        if (done?.changed) run.books.sell(shopId, lines);
        if (done) count(run, `library commit ${done.status}`);
      } else {
        const done = await timed(run, "checkout", () => holds.releaseHold({ shopId, holdId, now: new Date() }));
        if (done) count(run, `library release ${done.status}`);
      }
    });
  }
  spawn(run, async () => {
    const variant = variants[Math.floor(run.next() * variants.length)]!;
    const delta = Math.floor(run.next() * 11) - 4;
    if (delta === 0) return;
    const item = await timed(
      run,
      "edit",
      () =>
        inventory.adjustQuantity({
          shopId: variant.shopId,
          sku: variant.sku,
          variantKey: variant.variantKey,
          delta,
          reason: "edit",
          actor: "ops@new-release",
        }),
      // Taking away more than is free (held, or below zero) is refused: an operator's answer, not a failure.
      (error) =>
        error instanceof InventoryError &&
        (error.code === "conflict" ||
          (error.code === "validation_failed" && /below zero/.test(JSON.stringify(error.details))))
          ? `library edit refused (${error.code})`
          : undefined,
    );
    if (item) {
      run.books.edit(variant.shopId, variant.sku, variant.variantKey, delta);
      count(run, "library edit");
    }
    await sleep(3);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the books.

interface ItemRow {
  shopId: string;
  sku: string;
  variantKey: string;
  quantity: number;
  reserved: number;
  held: number;
}

/** Every item with the units its active holds keep (the reconciliation from before locations: reserved = held). */
async function itemsWithHolds(pool: pg.Pool): Promise<ItemRow[]> {
  const { rows } = await pool.query<ItemRow>(
    `SELECT i."shopId", i.sku, i."variantKey", i.quantity, i.reserved,
            coalesce((SELECT sum(hi.quantity) FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
                      WHERE h.status = 'active' AND hi."shopId" = i."shopId" AND hi.sku = i.sku
                        AND hi."variantKey" = i."variantKey"), 0)::int AS held
     FROM "InventoryItem" i ORDER BY i."shopId" COLLATE "C", i.sku COLLATE "C", i."variantKey" COLLATE "C"`,
  );
  return rows;
}

/** sold + available + held = start + edits for every variant, as the callers counted sales and edits. */
function expectNoUnitLostOrInvented(start: Map<string, number>, end: ItemRow[], books: Books) {
  const seen = end.map((row) => {
    const key = id(row.shopId, row.sku, row.variantKey);
    return {
      variant: key,
      "sold + available + held": (books.sold.get(key) ?? 0) + (row.quantity - row.reserved) + row.held,
      "start + edits": (start.get(key) ?? 0) + (books.edits.get(key) ?? 0),
      "reserved = held": row.reserved === row.held,
    };
  });
  expect(seen).toEqual(
    seen.map((row) => ({ ...row, "sold + available + held": row["start + edits"], "reserved = held": true })),
  );
}

async function quantities(pool: pg.Pool): Promise<Map<string, number>> {
  const rows = await itemsWithHolds(pool);
  return new Map(rows.map((row) => [id(row.shopId, row.sku, row.variantKey), row.quantity]));
}

/** Variants whose ledger, replayed (per location when the column is there), does not give the quantity. */
async function ledgerMismatches(pool: pg.Pool, perLocation: boolean): Promise<Array<Record<string, unknown>>> {
  const { rows } = perLocation
    ? await pool.query<Record<string, unknown>>(
        `SELECT lv."shopId", lv.sku, lv."variantKey", lv.location, lv.quantity, coalesce(b.units, 0)::int AS replayed
         FROM "InventoryLevel" lv LEFT JOIN (
           SELECT "shopId", sku, "variantKey", location, sum(delta) AS units FROM "StockLedgerEntry" GROUP BY 1, 2, 3, 4
         ) b USING ("shopId", sku, "variantKey", location)
         WHERE lv.quantity <> coalesce(b.units, 0)`,
      )
    : await pool.query<Record<string, unknown>>(
        `SELECT i."shopId", i.sku, i."variantKey", i.quantity, coalesce(b.units, 0)::int AS replayed
         FROM "InventoryItem" i LEFT JOIN (
           SELECT "shopId", sku, "variantKey", sum(delta) AS units FROM "StockLedgerEntry" GROUP BY 1, 2, 3
         ) b USING ("shopId", sku, "variantKey")
         WHERE i.quantity <> coalesce(b.units, 0)`,
      );
  return rows;
}

/** Tables, columns, constraints, indexes, triggers and functions of the public schema, as sorted text. */
async function schemaOf(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(
    `SELECT line FROM (
     SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
              || coalesce(column_default, '') AS line
     FROM information_schema.columns WHERE table_schema = 'public'
     UNION ALL
     SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace
     UNION ALL
     SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
     UNION ALL
     SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
     UNION ALL
     SELECT 'function ' || pg_get_functiondef(p.oid) FROM pg_proc p WHERE pronamespace = 'public'::regnamespace
     ) schema ORDER BY line COLLATE "C"`,
  );
  return rows.map((row) => row.line);
}

/** The rollback script, run the way psql runs a file: one simple query; on an error, the transaction is undone. */
async function rollBack(url: string): Promise<{ durationMs: number; error?: pg.DatabaseError }> {
  const sql = await readFile(ROLLBACK_SQL, "utf8");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const start = performance.now();
  try {
    await client.query(sql);
    return { durationMs: performance.now() - start };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    if (error instanceof pg.DatabaseError) return { durationMs: performance.now() - start, error };
    throw error;
  } finally {
    await client.end();
  }
}

function pool(url: string, max: number) {
  const created = new pg.Pool({ connectionString: url, max });
  // A client still closing when its database is dropped hears of it: not a failure of the test.
  created.on("error", () => {});
  cleanups.push(() => created.end());
  return created;
}

/** The longest and the median time a checkout call took while [from, to] was going on, in ms. */
function waits(run: Run, from: number, to: number) {
  const during = run.samples
    .filter((s) => s.kind === "checkout" && s.end >= from && s.start <= to)
    .map((s) => s.end - s.start)
    .sort((a, b) => a - b);
  return {
    calls: during.length,
    longest: Math.round(during.at(-1) ?? 0),
    median: Math.round(during[Math.floor(during.length / 2)] ?? 0),
  };
}

function printCounts(run: Run) {
  console.log(
    [...run.counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([what, n]) => `  ${what}: ${n}`)
      .join("\n"),
  );
}

// ---------------------------------------------------------------------------------------------------------------

describe("the move to stock locations", () => {
  it("migrates while checkouts go on: nothing fails, no unit is lost or invented, every location's books balance", async () => {
    const db = await createEmptyDatabase();
    cleanups.push(db.drop);
    await applyMigrations({ databaseUrl: db.url, migrationsDir: MIGRATIONS_DIR, stopBefore: STOCK_LOCATIONS });
    const old = pool(db.url, 12);

    const variants: Variant[] = [
      { shopId: "north-shop", sku: "HOT-TEE", variantKey: "", quantity: 4000 },
      { shopId: "north-shop", sku: "CAP", variantKey: "", quantity: 200 },
      { shopId: "north-shop", sku: "MUG", variantKey: "", quantity: 40 },
      { shopId: "north-shop", sku: "TEE", variantKey: "size=l", quantity: 300 },
      { shopId: "north-shop", sku: "TEE", variantKey: "size=m", quantity: 300 },
      { shopId: "south-shop", sku: "SOCK", variantKey: "color=blue", quantity: 600 },
      { shopId: "south-shop", sku: "BAG", variantKey: "", quantity: 150 },
      { shopId: "south-shop", sku: "PIN", variantKey: "", quantity: 30 },
      { shopId: "south-shop", sku: "SOCK", variantKey: "color=red", quantity: 600 },
    ];
    await seedOld(old, variants, 350);

    // Holds of the release before locations that outlive the migration: ten long ones per shop to settle after it
    // through the library, and two per shop that lapse, one of them paid for late.
    const before: Array<{ shopId: string; holdId: string; lines: Line[]; ttl: number }> = [];
    for (const shopId of ["north-shop", "south-shop"]) {
      const hot = variants.find((v) => v.shopId === shopId)!;
      const other = variants.filter((v) => v.shopId === shopId)[1]!;
      for (let i = 0; i < 12; i++) {
        const lines =
          i % 2 === 0
            ? [{ sku: hot.sku, variantKey: hot.variantKey, quantity: 2 }]
            : [
                { sku: other.sku, variantKey: other.variantKey, quantity: 1 },
                { sku: hot.sku, variantKey: hot.variantKey, quantity: 1 },
              ].sort((a, b) => (a.sku < b.sku ? -1 : 1));
        before.push({ shopId, holdId: `${shopId}-before-${i}`, lines, ttl: i < 10 ? 600_000 : 800 });
      }
    }
    for (const hold of before) {
      expect((await oldHold(old, hold.shopId, hold.holdId, hold.lines, hold.ttl)).outcome).toBe("created");
    }
    const ledgerRows = (await old.query<{ n: number }>(`SELECT count(*)::int AS n FROM "StockLedgerEntry"`)).rows[0]!.n;
    const start = await quantities(old);
    const startLedger = (await old.query<{ id: string }>(`SELECT max(id)::text AS id FROM "StockLedgerEntry"`)).rows[0]!
      .id;

    const run = newRun(17);
    startOldLoad(run, old, variants);
    await sleep(1500);

    run.phase = "during";
    const migrationStart = performance.now();
    const marks: Array<[string, number]> = [];
    const result = await applyMigrations({
      databaseUrl: db.url,
      migrationsDir: MIGRATIONS_DIR,
      log: (message) => marks.push([message, performance.now()]),
    });
    const migrationEnd = performance.now();
    run.phase = "after";

    // The release with locations arrives beside the old one (a rolling deploy): both serve from here on.
    const database = createDatabase({ url: db.url, poolSize: 8 });
    cleanups.push(() => database.close());
    const holds = createPrismaHoldStore(database);
    startLibraryLoad(run, database, variants);

    // The old code creates an item after the migration: the trigger gives it its main level.
    const scarf = { shopId: "south-shop", sku: "SCARF", variantKey: "", quantity: 25 };
    await oldCreateItem(old, scarf);
    run.books.edit(scarf.shopId, scarf.sku, scarf.variantKey, scarf.quantity);
    const scarfEdit = await oldEdit(old, scarf, -5);
    run.books.edit(scarf.shopId, scarf.sku, scarf.variantKey, scarfEdit);

    // The holds from before the migration: commit five and release five per shop through the library; pay one
    // lapsed one late through the old code; the reaper gets the other.
    const settled: string[] = [];
    for (const [i, hold] of before.entries()) {
      const n = i % 12;
      if (n < 5) {
        const done = await holds.commitHold({
          shopId: hold.shopId,
          holdId: hold.holdId,
          actor: "checkout",
          now: new Date(),
        });
        settled.push(`${done.status} ${String(done.changed)}`);
        if (done.changed) run.books.sell(hold.shopId, hold.lines);
      } else if (n < 10) {
        const done = await holds.releaseHold({ shopId: hold.shopId, holdId: hold.holdId, now: new Date() });
        settled.push(`${done.status} ${String(done.changed)}`);
      }
    }
    const perShop = [...Array<string>(5).fill("committed true"), ...Array<string>(5).fill("released true")];
    expect(settled).toEqual([...perShop, ...perShop]);
    await sleep(Math.max(0, 900 - (performance.now() - migrationEnd)));
    const late = before.filter((_, i) => i % 12 === 10);
    for (const hold of late) {
      const outcome = await oldSettle(old, hold.shopId, "commit_paid", hold.holdId);
      expect(["committed", "recommitted"]).toContain(outcome);
      run.books.sell(hold.shopId, hold.lines);
    }

    await sleep(2500);
    await stop(run);

    const migrationMs = Math.round(migrationEnd - migrationStart);
    const perMigration = marks.map(([message, at], i) => {
      const since = i === 0 ? migrationStart : marks[i - 1]![1];
      return `${message} in ${Math.round(at - since)} ms`;
    });
    const during = waits(run, migrationStart, migrationEnd);
    const otherwise = waits(run, 0, migrationStart);
    console.log(
      `Seeded ${variants.length} variants in 2 shops, ${ledgerRows} ledger rows, ${before.length} active holds.\n` +
        `Migration under load: ${migrationMs} ms (${perMigration.join(", ")}).\n` +
        `Checkout calls overlapping it: ${during.calls}, longest ${during.longest} ms, median ${during.median} ms; ` +
        `before it: ${otherwise.calls} calls, longest ${otherwise.longest} ms, median ${otherwise.median} ms.`,
    );
    printCounts(run);

    expect(run.failures).toEqual([]);
    expect(result.applied).toEqual(await locationMigrations());
    // Both paths served before, during and after the migration; the old one edited stock after it (the trigger's case).
    for (const what of [
      "before: old hold created",
      "after: old hold created",
      "after: old edit",
      "after: library hold created",
    ]) {
      expect(run.counts.get(what) ?? 0, what).toBeGreaterThan(0);
    }
    expect(during.calls).toBeGreaterThan(0);

    const end = await itemsWithHolds(old);
    expectNoUnitLostOrInvented(start, end, run.books);
    // The ledger tells the same story as the callers: every unit they were sold is a sale entry.
    const sales = await old.query<{ shopId: string; sku: string; variantKey: string; units: number }>(
      `SELECT "shopId", sku, "variantKey", (-sum(delta))::int AS units FROM "StockLedgerEntry"
       WHERE reason = 'sale' AND id > $1::bigint GROUP BY 1, 2, 3`,
      [startLedger],
    );
    expect(Object.fromEntries(sales.rows.map((row) => [id(row.shopId, row.sku, row.variantKey), row.units]))).toEqual(
      Object.fromEntries([...run.books.sold.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    );

    const report = await createPrismaLocationStore(database).reconcile();
    expect(report.drift).toEqual([]);
    expect(report.checked).toBe(variants.length + 1);
    expect(await ledgerMismatches(old, true)).toEqual([]);
    const locations = await old.query(`SELECT "shopId", code FROM "StockLocation" ORDER BY 1`);
    expect(locations.rows).toEqual([
      { shopId: "north-shop", code: "main" },
      { shopId: "south-shop", code: "main" },
    ]);
    // The holds from before are each what they were told: sold, given back, or still held.
    const statuses = await old.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM "InventoryHold" WHERE id LIKE '%-shop-before-%' GROUP BY 1 ORDER BY 1`,
    );
    expect(Object.fromEntries(statuses.rows.map((row) => [row.status, row.n]))).toMatchObject({
      committed: 12,
      released: 10,
    });
  }, 60_000);

  it("a checkout of the release before locations in flight across the migration's commit keeps the books", async () => {
    // The hold request starts under the old functions, waits behind the migration's locks, and goes on under the new
    // ones: it expires a lapsed hold on its variant on the way (the new settle function), then reserves.
    const db = await createEmptyDatabase();
    cleanups.push(db.drop);
    await applyMigrations({ databaseUrl: db.url, migrationsDir: MIGRATIONS_DIR, stopBefore: STOCK_LOCATIONS });
    const old = pool(db.url, 4);
    const lamp = { shopId: "west-shop", sku: "LAMP", variantKey: "", quantity: 10 };
    await oldCreateItem(old, lamp);
    expect(
      (await oldHold(old, lamp.shopId, "lapsing", [{ sku: "LAMP", variantKey: "", quantity: 2 }], 20)).outcome,
    ).toBe("created");
    await sleep(50);

    const migration = new pg.Client({ connectionString: db.url });
    await migration.connect();
    cleanups.push(() => migration.end());
    await migration.query("BEGIN");
    await migration.query(await readFile(`${MIGRATIONS_DIR}/${STOCK_LOCATIONS}/migration.sql`, "utf8"));
    const inFlight = oldHold(old, lamp.shopId, "in-flight", [{ sku: "LAMP", variantKey: "", quantity: 3 }], 600_000);
    // It is under way once it waits for a lock the migration holds.
    for (let waiting = false; !waiting; await sleep(10)) {
      const { rows } = await old.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND query LIKE '%inventory_create_holds_batch%' AND pid <> pg_backend_pid()`,
      );
      waiting = rows[0]!.n > 0;
    }
    await migration.query("COMMIT");
    expect((await inFlight).outcome).toBe("created");

    const books = await old.query(
      `SELECT i.reserved AS "InventoryItem", lv.reserved AS main,
              (SELECT coalesce(sum(hi.quantity), 0)::int FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
               WHERE h.status = 'active' AND hi.sku = i.sku) AS held
       FROM "InventoryItem" i JOIN "InventoryLevel" lv USING ("shopId", sku, "variantKey")`,
    );
    expect(books.rows).toEqual([{ InventoryItem: 3, main: 3, held: 3 }]);
    expect(await oldSettle(old, lamp.shopId, "release", "in-flight")).toBe("released");
    expect((await old.query(`SELECT quantity, reserved FROM "InventoryLevel"`)).rows).toEqual([
      { quantity: 10, reserved: 0 },
    ]);
  });

  it("rolls back by hand: refused while stock is elsewhere than main; then, under load, to the schema before locations, where the old hold path works; then migrates again", async () => {
    const reference = await createEmptyDatabase();
    cleanups.push(reference.drop);
    await applyMigrations({ databaseUrl: reference.url, migrationsDir: MIGRATIONS_DIR, stopBefore: STOCK_LOCATIONS });
    const beforeLocations = await schemaOf(pool(reference.url, 1));

    const db = await createEmptyDatabase();
    cleanups.push(db.drop);
    await applyMigrations({ databaseUrl: db.url, migrationsDir: MIGRATIONS_DIR });
    const old = pool(db.url, 10);
    const database = createDatabase({ url: db.url, poolSize: 6 });
    cleanups.push(() => database.close());
    const inventory = createPrismaInventoryStore(database);
    const holds = createPrismaHoldStore(database, { batching: false });
    const locations = createPrismaLocationStore(database);
    const shopId = "east-shop";
    const imported = await inventory.upsertItems(
      shopId,
      [
        { sku: "LAMP", productId: "lamp", quantity: 8 },
        { sku: "RUG", productId: "rug", variantAttributes: { size: "s" }, quantity: 200 },
        { sku: "VASE", productId: "vase", quantity: 150 },
      ],
      { reason: "import", actor: "ops" },
    );
    const variants: Variant[] = imported.items.map((item) => ({
      shopId,
      sku: item.sku,
      variantKey: item.variantKey,
      quantity: 0,
    }));
    const rug = variants.find((v) => v.sku === "RUG")!.variantKey;
    const later = () => new Date(Date.now() + 600_000);

    // A store with five lamps; a cart of six takes three from each location and is sold; two more are held there.
    await locations.createLocation({ shopId, code: "store-1", name: "Store 1", kind: "store", actor: "ops" });
    await locations.createTransfer({
      shopId,
      transferId: "to-store",
      from: "main",
      to: "store-1",
      lines: [{ sku: "LAMP", variantKey: "", quantity: 5 }],
      actor: "ops",
    });
    const hold = async (holdId: string, sku: string, variantKey: string, quantity: number) => {
      const answer = await holds.createHold({
        shopId,
        holdId,
        lines: [{ sku, variantKey, quantity }],
        expiresAt: later(),
        now: new Date(),
      });
      expect(answer.outcome).toBe("created");
    };
    await hold("split", "LAMP", "", 6);
    const splitLines = await old.query(
      `SELECT location, quantity FROM "InventoryHoldItem" WHERE "holdId" = 'split' ORDER BY 1`,
    );
    expect(splitLines.rows).toEqual([
      { location: "main", quantity: 3 },
      { location: "store-1", quantity: 3 },
    ]);
    await holds.commitHold({ shopId, holdId: "split", actor: "checkout", now: new Date() });
    await hold("at-store", "LAMP", "", 2);
    await hold("rug-sold", "RUG", rug, 2);
    await holds.commitHold({ shopId, holdId: "rug-sold", actor: "checkout", now: new Date() });
    await hold("vase-held", "VASE", "", 4);

    const migrated = await schemaOf(old);
    const refused = await rollBack(db.url);
    expect(refused.error?.code).toBe("55000");
    expect(refused.error?.message).toBe(
      "cannot roll back stock locations: stock is kept at locations other than main (east-shop LAMP at store-1: quantity 2, reserved 2, incoming 0)",
    );
    expect(refused.error?.hint).toMatch(/transfer the units to main/);
    expect(await schemaOf(old)).toEqual(migrated);

    // The store's lamps go back to main, in transit first: refused while they travel.
    await holds.releaseHold({ shopId, holdId: "at-store", now: new Date() });
    await locations.createTransfer({
      shopId,
      transferId: "back",
      from: "store-1",
      to: "main",
      lines: [{ sku: "LAMP", variantKey: "", quantity: 2 }],
      inTransit: true,
      actor: "ops",
    });
    const travelling = await rollBack(db.url);
    expect(travelling.error?.message).toBe(
      "cannot roll back stock locations: transfers are in transit (east-shop back (store-1 to main))",
    );
    await locations.receiveTransfer({ shopId, transferId: "back", actor: "ops" });
    expect((await locations.reconcile()).drift).toEqual([]);

    // Every instance runs the release before locations now: checkouts, reaper and edits go on while the script runs.
    const start = await quantities(old);
    const run = newRun(29);
    startOldLoad(run, old, variants, { checkouts: 4, editors: 1 });
    await sleep(500);
    run.phase = "during";
    const rollbackStart = performance.now();
    const rolled = await rollBack(db.url);
    const rollbackEnd = performance.now();
    run.phase = "after";
    await sleep(700);
    await stop(run);
    expect(rolled.error).toBeUndefined();
    const during = waits(run, rollbackStart, rollbackEnd);
    console.log(
      `Rollback under load: ${Math.round(rolled.durationMs)} ms (2 s of it the pause between its two steps). ` +
        `Checkout calls overlapping it: ${during.calls}, longest ${during.longest} ms, median ${during.median} ms.`,
    );
    printCounts(run);
    expect(run.failures).toEqual([]);
    expect(run.counts.get("after: old hold created") ?? 0).toBeGreaterThan(0);

    // The schema the migrations before locations build, not one row of _prisma_migrations for locations left.
    expect(await schemaOf(old)).toEqual(beforeLocations);
    const applied = await old.query(`SELECT migration_name FROM "_prisma_migrations" WHERE migration_name >= $1`, [
      STOCK_LOCATIONS,
    ]);
    expect(applied.rows).toEqual([]);
    // Every ledger row is there, and those at the store say so; the split line is one line again.
    const atStore = await old.query(
      `SELECT reason, delta, note FROM "StockLedgerEntry" WHERE note LIKE '%(at location store-1)' ORDER BY id`,
    );
    expect(atStore.rows).toEqual([
      { reason: "transfer_in", delta: 5, note: "transfer to-store from main (at location store-1)" },
      { reason: "sale", delta: -3, note: "(at location store-1)" },
      { reason: "transfer_out", delta: -2, note: "transfer back to main (at location store-1)" },
    ]);
    expect((await old.query(`SELECT quantity FROM "InventoryHoldItem" WHERE "holdId" = 'split'`)).rows).toEqual([
      { quantity: 6 },
    ]);
    expectNoUnitLostOrInvented(start, await itemsWithHolds(old), run.books);
    expect(await ledgerMismatches(old, false)).toEqual([]);

    // The SQL from before locations: a hold and its sale, a hold given back; the old reconciliation is clean.
    // The load may have sold the vase out: two more units, booked as the old store booked an edit.
    await old.query(
      `WITH u AS (UPDATE "InventoryItem" SET quantity = quantity + 2 WHERE "shopId" = $1 AND sku = 'VASE' AND "variantKey" = ''
                  RETURNING quantity)
       INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor)
       SELECT $1, 'VASE', '', 2, quantity, 'restock', 'test' FROM u`,
      [shopId],
    );
    const lines = [{ sku: "VASE", variantKey: "", quantity: 1 }];
    expect((await oldHold(old, shopId, "after-sold", lines, 600_000)).outcome).toBe("created");
    expect(await oldSettle(old, shopId, "commit", "after-sold")).toBe("committed");
    expect((await oldHold(old, shopId, "after-released", lines, 600_000)).outcome).toBe("created");
    expect(await oldSettle(old, shopId, "release", "after-released")).toBe("released");
    expect((await itemsWithHolds(old)).filter((row) => row.reserved !== row.held)).toEqual([]);
    expect(await ledgerMismatches(old, false)).toEqual([]);

    // Migrated again, under load from both releases once it is done.
    const again = await quantities(old);
    const second = newRun(31);
    startOldLoad(second, old, variants, { checkouts: 4, editors: 1 });
    await sleep(400);
    second.phase = "during";
    const reapplied = await applyMigrations({ databaseUrl: db.url, migrationsDir: MIGRATIONS_DIR });
    second.phase = "after";
    startLibraryLoad(second, database, variants);
    await sleep(800);
    await stop(second);
    expect(second.failures).toEqual([]);
    expect(reapplied.applied).toEqual(await locationMigrations());
    expectNoUnitLostOrInvented(again, await itemsWithHolds(old), second.books);
    expect((await locations.reconcile()).drift).toEqual([]);
    expect(await ledgerMismatches(old, true)).toEqual([]);
    expect((await locations.listLocations(shopId)).map((location) => location.code)).toEqual(["main"]);
  }, 60_000);
});
