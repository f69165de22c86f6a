import {
  applyMigrations,
  createDatabase,
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  createPrismaLocationStore,
  reconcileInventoryReserved,
  releaseInventoryHold,
  type Database,
  type HoldStore,
} from "@acme/platform-core";
import { processTreeCpuMs } from "../checkout-e2e/read-cpu-times.ts";
import { HOT_SKU, coldSku } from "../cold-sku.ts";
import type { ErrorCount } from "../create-error-tally.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import type { BenchDatabase } from "../start-bench-database.ts";
import { median, round } from "../stats.ts";
import { measureHoldBatch, type HoldBatchCost } from "./measure-hold-batch.ts";
import { runHotHoldPhase } from "./run-hot-hold-phase.ts";

/** The first migration of stock locations: the "before" database stops just before it. */
export const LOCATIONS_MIGRATION = "20261202020000_stock_locations";

const NAMED_SKU = "HOT-NAMED";
/** The variant of the batch-alone measurement, with stock for every batch. */
const BATCH_SKU = "HOT-BATCH";
const BATCHES = 100;

type Side = "after" | "before";

export interface SaleFigures {
  units_per_s: number;
  holds_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /**
   * CPU the embedded PostgreSQL server (every process of it) and the bench's Node process used during the sale, per
   * 1,000 units: what the sale cost, whatever else the machine ran meanwhile. NaN with DATABASE_URL's server.
   */
  postgres_cpu_ms_per_1000_units: number;
  node_cpu_ms_per_1000_units: number;
}

export interface OneLocationSale extends SaleFigures {
  round: number;
  side: Side;
  /** Every buyer named (caps counted and checked), as in phase 3b; otherwise unnamed, as in phase 3. */
  named: boolean;
  units: number;
  requests: number;
  /** Transactions that decided the sale's requests (the store's batch counters): units per transaction follow. */
  transactions: number | undefined;
  wall_s: number;
  timed_out: boolean;
  errors: ErrorCount[];
}

export interface OneLocationKind {
  /** Medians over the rounds, per side. */
  after: SaleFigures;
  before: SaleFigures;
  /** after / before of those medians (throughput: above 1 is faster; latency: below 1 is faster). */
  ratio: SaleFigures;
  /** The median of each round's own after / before: the two sales of a round ran seconds apart. */
  paired_ratio: SaleFigures;
  /** Throughput at least 90% of before and p95 at most 110% of before (ratio of the medians). */
  within_10pct: boolean;
}

export interface OneLocationComparison {
  rounds: number;
  /** The whole comparison: both databases migrated and seeded, every round. */
  seconds: number;
  /** The first migration the "before" database does not have. */
  before_migration: string;
  unnamed: OneLocationKind;
  named: OneLocationKind;
  within_10pct: boolean;
  /** One batch alone on each database (embedded server only): PostgreSQL's CPU for the same work, after / before. */
  batch: HoldBatchCost | undefined;
  sales: OneLocationSale[];
  oversold: number;
  reconcile_ok: boolean;
  /** Online locations of each "after" shop: 1, the case this comparison is about. */
  after_online_locations: number[];
  drift: unknown[];
}

interface SideRun {
  side: Side;
  db: Database;
  holds: HoldStore;
  seed(shopId: string, items: Array<{ sku: string; productId: string; quantity: number }>): Promise<void>;
}

/**
 * A shop with one location keeps its speed: the hot-variant sale of phases 3 and 3b, by the same bench code, on
 * two fresh databases of the same server, one migrated to today ("after") and one only up to, not including,
 * stock locations ("before": the schema and SQL functions as they were, which today's hold path calls with the
 * same signatures). Rounds interleave the two (after first in odd rounds, before first in even ones), so the
 * machine's noise falls on both; each round is a shop of its own (fresh buyers for the named sale), and each sale
 * starts from a vacuumed database and a checkpoint.
 */
export async function runOneLocationComparison(
  config: BenchConfig,
  deps: { server: BenchDatabase; step: (message: string) => void },
): Promise<OneLocationComparison> {
  const started = performance.now();
  const afterUrl = await deps.server.createDatabase("after");
  const beforeUrl = await deps.server.createDatabase("before");
  const afterMigrations = (await applyMigrations({ databaseUrl: afterUrl })).applied.length;
  const beforeMigrations = (await applyMigrations({ databaseUrl: beforeUrl, stopBefore: LOCATIONS_MIGRATION })).applied
    .length;
  deps.step(
    `  databases: after (${afterMigrations} migrations), before (${beforeMigrations}, up to ${LOCATIONS_MIGRATION})`,
  );
  const holdOptions =
    config.batchMax === 0 ? { batching: false as const } : { batching: { maxBatch: config.batchMax } };
  const afterDb = createDatabase({ url: afterUrl, poolSize: config.poolSize });
  const beforeDb = createDatabase({ url: beforeUrl, poolSize: config.poolSize });
  try {
    const afterStore = createPrismaInventoryStore(afterDb);
    const sides: Record<Side, SideRun> = {
      after: {
        side: "after",
        db: afterDb,
        holds: createPrismaHoldStore(afterDb, holdOptions),
        seed: async (shopId, items) => {
          for (let start = 0; start < items.length; start += 250)
            await afterStore.upsertItems(shopId, items.slice(start, start + 250), { reason: "import", actor: "bench" });
        },
      },
      before: {
        side: "before",
        db: beforeDb,
        holds: createPrismaHoldStore(beforeDb, holdOptions),
        // What the store's upsert wrote before locations: the items and their import ledger entries.
        seed: async (shopId, items) => {
          await beforeDb.pool.query(
            `WITH items AS (
               INSERT INTO "InventoryItem" ("shopId", sku, "variantKey", "productId", quantity, "updatedAt")
               SELECT $1, t.sku, '', t.product, t.quantity, now()
               FROM unnest($2::text[], $3::text[], $4::int[]) AS t(sku, product, quantity)
               RETURNING sku, quantity
             )
             INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor)
             SELECT $1, sku, '', quantity, quantity, 'import', 'bench' FROM items ORDER BY sku COLLATE "C"`,
            [shopId, items.map((item) => item.sku), items.map((item) => item.productId), items.map((i) => i.quantity)],
          );
        },
      },
    };
    const serverPid = deps.server.serverPid;
    const serverCpu = () => (serverPid === undefined ? undefined : processTreeCpuMs(serverPid));
    const shopOf = (roundNumber: number) => `${config.shopId}-r${roundNumber}`;
    const items = [
      { sku: HOT_SKU, productId: "hot", quantity: config.hotUnits },
      { sku: NAMED_SKU, productId: "hot", quantity: config.hotUnits },
      { sku: BATCH_SKU, productId: "hot", quantity: (BATCHES + 3) * 256 },
      ...Array.from({ length: config.coldVariants }, (_, index) => ({
        sku: coldSku(index),
        productId: `cold-${index}`,
        quantity: config.coldUnits,
      })),
    ];
    for (const side of Object.values(sides))
      for (let r = 1; r <= config.oneLocationRounds; r++) await side.seed(shopOf(r), items);
    for (const side of Object.values(sides)) await warmHolds(config, side, shopOf(1));

    const sales: OneLocationSale[] = [];
    for (let r = 1; r <= config.oneLocationRounds; r++) {
      const order: Side[] = r % 2 === 1 ? ["after", "before"] : ["before", "after"];
      for (const named of [false, true]) {
        for (const name of order) {
          const side = sides[name];
          await settleDatabase(side.db);
          const cpuBefore = { postgres: serverCpu(), node: process.cpuUsage() };
          const sale = await runHotHoldPhase(
            { ...config, shopId: shopOf(r) },
            { holds: side.holds },
            {
              sku: named ? NAMED_SKU : HOT_SKU,
              clients: named,
              label: `round ${r}, ${name}${named ? ", named" : ""}`,
            },
          );
          const postgresCpu = (serverCpu() ?? Number.NaN) - (cpuBefore.postgres ?? Number.NaN);
          const nodeCpu = process.cpuUsage(cpuBefore.node);
          const perThousand = (ms: number) => round((ms / Math.max(sale.hotUnitsGranted, 1)) * 1000, 1);
          sales.push({
            round: r,
            side: name,
            named,
            units_per_s: round(sale.hotUnitsPerS, 1),
            holds_per_s: sale.summary.per_s,
            p50_ms: sale.summary.p50_ms,
            p95_ms: sale.summary.p95_ms,
            p99_ms: sale.summary.p99_ms,
            postgres_cpu_ms_per_1000_units: perThousand(postgresCpu),
            node_cpu_ms_per_1000_units: perThousand((nodeCpu.user + nodeCpu.system) / 1000),
            units: sale.hotUnitsGranted,
            requests: sale.requests,
            transactions: sale.batchStats?.transactions,
            wall_s: round(sale.wallSeconds, 3),
            timed_out: sale.timedOut,
            errors: sale.errors,
          });
        }
      }
    }

    let batch: HoldBatchCost | undefined;
    if (deps.server.serverPid !== undefined) {
      for (const side of Object.values(sides)) await settleDatabase(side.db);
      batch = await measureHoldBatch({
        urls: { after: afterUrl, before: beforeUrl },
        shopId: shopOf(1),
        sku: BATCH_SKU,
        coldVariants: config.coldVariants,
        batches: BATCHES,
      });
    }

    // The books of both databases: nothing granted beyond stock, reserved equal to the active holds; in "after",
    // every location's books too, and each shop still has its one location.
    let oversold = sales.reduce((sum, sale) => sum + Math.max(0, sale.units - config.hotUnits), 0);
    const drift: unknown[] = [];
    for (const side of Object.values(sides)) {
      const report = await reconcileInventoryReserved({ store: side.holds });
      drift.push(...report.drift.map((entry) => ({ side: side.side, ...entry })));
      const { rows } = await side.db.pool.query<{ oversold: number }>(
        `SELECT coalesce(sum(greatest(reserved - quantity, 0) + greatest(-quantity, 0)), 0)::int AS oversold
         FROM "InventoryItem"`,
      );
      oversold += rows[0]?.oversold ?? 0;
    }
    const locations = await createPrismaLocationStore(afterDb).reconcile();
    drift.push(...locations.drift.map((entry) => ({ side: "after", ...entry })));
    const online = await afterDb.pool.query<{ online: number }>(
      `SELECT count(*) FILTER (WHERE active AND "fulfilsOnline")::int AS online
       FROM "StockLocation" GROUP BY "shopId" ORDER BY "shopId" COLLATE "C"`,
    );

    const unnamed = compareKind(sales.filter((sale) => !sale.named));
    const namedKind = compareKind(sales.filter((sale) => sale.named));
    return {
      rounds: config.oneLocationRounds,
      seconds: round((performance.now() - started) / 1000, 1),
      before_migration: LOCATIONS_MIGRATION,
      unnamed,
      named: namedKind,
      within_10pct: unnamed.within_10pct && namedKind.within_10pct,
      batch,
      sales,
      oversold,
      reconcile_ok: drift.length === 0,
      after_online_locations: online.rows.map((row) => row.online),
      drift: drift.slice(0, 20),
    };
  } finally {
    await afterDb.close().catch(() => {});
    await beforeDb.close().catch(() => {});
  }
}

const FIGURES = [
  "units_per_s",
  "holds_per_s",
  "p50_ms",
  "p95_ms",
  "p99_ms",
  "postgres_cpu_ms_per_1000_units",
  "node_cpu_ms_per_1000_units",
] as const;

function compareKind(sales: OneLocationSale[]): OneLocationKind {
  const of = (side: Side) => sales.filter((sale) => sale.side === side);
  const medians = (list: OneLocationSale[]) =>
    Object.fromEntries(
      FIGURES.map((figure) => [figure, round(median(list.map((sale) => sale[figure])))]),
    ) as unknown as SaleFigures;
  const after = medians(of("after"));
  const before = medians(of("before"));
  const ratio = Object.fromEntries(
    FIGURES.map((figure) => [figure, round(after[figure] / before[figure], 3)]),
  ) as unknown as SaleFigures;
  const rounds = [...new Set(sales.map((sale) => sale.round))];
  const paired = Object.fromEntries(
    FIGURES.map((figure) => [
      figure,
      round(
        median(
          rounds.map((r) => {
            const a = sales.find((sale) => sale.round === r && sale.side === "after")!;
            const b = sales.find((sale) => sale.round === r && sale.side === "before")!;
            return a[figure] / b[figure];
          }),
        ),
        3,
      ),
    ]),
  ) as unknown as SaleFigures;
  return {
    after,
    before,
    ratio,
    paired_ratio: paired,
    within_10pct: ratio.units_per_s >= 0.9 && ratio.p95_ms <= 1.1,
  };
}

/**
 * What a long-running database has that a fresh one may lack at a bad moment: a vacuum after the previous sale's
 * thousands of holds, so autovacuum does not start in the middle of this one, and a checkpoint, so none falls in a
 * sale (each sale then pays the same full-page writes of the pages it touches first). A server that refuses
 * CHECKPOINT (not a superuser in DATABASE_URL mode) runs without it.
 */
async function settleDatabase(db: Database): Promise<void> {
  await db.pool.query("VACUUM (ANALYZE)");
  await db.pool.query("CHECKPOINT").catch(() => {});
}

/** Connections open and the hold path planned on them: 500 holds on cold variants taken and released, unmeasured. */
async function warmHolds(config: BenchConfig, side: SideRun, shopId: string): Promise<void> {
  const clients = await Promise.all(Array.from({ length: config.poolSize }, () => side.db.pool.connect()));
  for (const client of clients) client.release();
  const holdIds: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 128 }, async () => {
      while (next < 500) {
        const index = next++;
        const requests = [{ sku: coldSku(index % config.coldVariants), quantity: 1 }];
        if (index % 5 === 0) requests.push({ sku: coldSku((index + 7) % config.coldVariants), quantity: 1 });
        const { holdId } = await createInventoryHold({ shopId, requests, ttlSeconds: 600, store: side.holds });
        holdIds.push(holdId);
      }
    }),
  );
  let released = 0;
  await Promise.all(
    Array.from({ length: config.poolSize }, async () => {
      while (released < holdIds.length)
        await releaseInventoryHold({ shopId, holdId: holdIds[released++]!, store: side.holds });
    }),
  );
}
