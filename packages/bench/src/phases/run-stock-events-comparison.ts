import {
  applyMigrations,
  createDatabase,
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  reconcileInventoryReserved,
  releaseInventoryHold,
  type Database,
  type HoldStore,
  type InventoryStore,
} from "@acme/platform-core";
import { processTreeCpuMs } from "../checkout-e2e/read-cpu-times.ts";
import { HOT_SKU, coldSku } from "../cold-sku.ts";
import type { ErrorCount } from "../create-error-tally.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import type { BenchDatabase } from "../start-bench-database.ts";
import { median, round } from "../stats.ts";
import { measureHoldBatch, type HoldBatchCost } from "./measure-hold-batch.ts";
import { runHotHoldPhase } from "./run-hot-hold-phase.ts";

/** The migration of the stock events outbox: the control database stops just before it. */
export const STOCK_EVENTS_MIGRATION = "20261202100000_stock_events_sync_returns";

const NAMED_SKU = "HOT-NAMED";
/** The variant of the batch-alone measurement, with stock for every batch. */
const BATCH_SKU = "HOT-BATCH";
const BATCHES = 100;

/**
 * control: no outbox (migrated up to, not including, the stock events migration). outbox: today's schema, the
 * InventoryLevel triggers writing events, nobody reading them.
 */
export type StockEventsSide = "control" | "outbox";

export interface StockEventsFigures {
  units_per_s: number;
  holds_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  /**
   * CPU of the embedded PostgreSQL server (every process) and of the bench's Node process during the sale, per 1,000
   * units: what the sale cost, whatever else the machine ran meanwhile. NaN with DATABASE_URL's server.
   */
  postgres_cpu_ms_per_1000_units: number;
  node_cpu_ms_per_1000_units: number;
}

export interface StockEventsSale extends StockEventsFigures {
  round: number;
  side: StockEventsSide;
  named: boolean;
  units: number;
  requests: number;
  /** Transactions that decided the sale's requests (the store's batch counters). */
  transactions: number | undefined;
  wall_s: number;
  timed_out: boolean;
  errors: ErrorCount[];
  /** Stock events the sale wrote (none on the control): all of them, and those of the hot variant. */
  events: number | undefined;
  hot_events: number | undefined;
}

export interface StockEventsKind {
  /** Medians over the rounds, per side. */
  medians: Record<StockEventsSide, StockEventsFigures>;
  /** side / control of those medians (throughput: above 1 is faster; latency: below 1 is faster). */
  ratio: Partial<Record<StockEventsSide, StockEventsFigures>>;
  /** The median of each round's own side / control: the sales of a round ran seconds apart. */
  paired_ratio: Partial<Record<StockEventsSide, StockEventsFigures>>;
  /** Per side: units/s at least 0.9 x and p95 at most 1.1 x of the control (ratio of the medians). */
  within_10pct: Partial<Record<StockEventsSide, boolean>>;
}

export interface StockEventsComparison {
  rounds: number;
  seconds: number;
  /** The first migration the control database does not have. */
  control_migration: string;
  sides: StockEventsSide[];
  unnamed: StockEventsKind;
  named: StockEventsKind | undefined;
  /** The side whose speed the target is about (with a subscriber when delivery exists), within 10% of the control. */
  target_side: StockEventsSide;
  within_10pct: boolean;
  /** One batch alone on the outbox and the control databases: PostgreSQL's CPU for the same work (after = outbox). */
  batch: HoldBatchCost | undefined;
  /** Stock events per deciding transaction of the hot variant, median over the sales that wrote events. */
  hot_events_per_transaction: number;
  sales: StockEventsSale[];
  oversold: number;
  reconcile_ok: boolean;
  drift: unknown[];
  /** What makes the phase fail (the run exits 1): oversold stock, books out of balance, events lost or out of order. */
  failures: string[];
}

interface SideRun {
  side: StockEventsSide;
  db: Database;
  store: InventoryStore;
  holds: HoldStore;
}

/**
 * A flash sale does not slow down because of stock events: the hot-variant sale of phase 3 (and, with
 * `--stock-events-named 1`, of phase 3b) by the same bench code on fresh databases of the same server, one without
 * the outbox ("control", migrated up to the stock events migration) and one as it is ("outbox"). Rounds interleave
 * the sides (forward in odd rounds, backward in even ones), each round is a shop of its own, each sale starts from a
 * vacuumed database and a checkpoint. Speed is reported as ratios against the in-run control, never asserted.
 */
export async function runStockEventsComparison(
  config: BenchConfig,
  deps: { server: BenchDatabase; step: (message: string) => void },
): Promise<StockEventsComparison> {
  const started = performance.now();
  const controlUrl = await deps.server.createDatabase("events_control");
  const outboxUrl = await deps.server.createDatabase("events_outbox");
  const controlMigrations = (await applyMigrations({ databaseUrl: controlUrl, stopBefore: STOCK_EVENTS_MIGRATION }))
    .applied.length;
  const outboxMigrations = (await applyMigrations({ databaseUrl: outboxUrl })).applied.length;
  deps.step(
    `  databases: control (${controlMigrations} migrations, up to ${STOCK_EVENTS_MIGRATION}), outbox (${outboxMigrations})`,
  );
  const holdOptions =
    config.batchMax === 0 ? { batching: false as const } : { batching: { maxBatch: config.batchMax } };
  const open = (side: StockEventsSide, url: string): SideRun => {
    const db = createDatabase({ url, poolSize: config.poolSize });
    return { side, db, store: createPrismaInventoryStore(db), holds: createPrismaHoldStore(db, holdOptions) };
  };
  const sides: SideRun[] = [open("control", controlUrl), open("outbox", outboxUrl)];
  const failures: string[] = [];
  try {
    const serverPid = deps.server.serverPid;
    const serverCpu = () => (serverPid === undefined ? undefined : processTreeCpuMs(serverPid));
    const shopOf = (roundNumber: number) => `${config.shopId}-events-r${roundNumber}`;
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
    // Today's store seeds every side: the hold path is the same code on both, and so is the stock it starts from.
    for (const side of sides)
      for (let r = 1; r <= config.stockEventsRounds; r++)
        for (let start = 0; start < items.length; start += 250)
          await side.store.upsertItems(shopOf(r), items.slice(start, start + 250), {
            reason: "import",
            actor: "bench",
          });
    for (const side of sides) await warmHolds(config, side, shopOf(1));

    const kinds = config.stockEventsNamed ? [false, true] : [false];
    const sales: StockEventsSale[] = [];
    for (let r = 1; r <= config.stockEventsRounds; r++) {
      const order = r % 2 === 1 ? sides : [...sides].reverse();
      for (const named of kinds) {
        for (const side of order) {
          const shopId = shopOf(r);
          const sku = named ? NAMED_SKU : HOT_SKU;
          await settleDatabase(side.db);
          const firstEvent = side.side === "control" ? undefined : await lastEventId(side.db);
          const cpuBefore = { postgres: serverCpu(), node: process.cpuUsage() };
          const sale = await runHotHoldPhase(
            { ...config, shopId },
            { holds: side.holds },
            { sku, clients: named, label: `round ${r}, ${side.side}${named ? ", named" : ""}` },
          );
          const postgresCpu = (serverCpu() ?? Number.NaN) - (cpuBefore.postgres ?? Number.NaN);
          const nodeCpu = process.cpuUsage(cpuBefore.node);
          const perThousand = (ms: number) => round((ms / Math.max(sale.hotUnitsGranted, 1)) * 1000, 1);
          const written = firstEvent === undefined ? undefined : await countEvents(side.db, shopId, sku, firstEvent);
          sales.push({
            round: r,
            side: side.side,
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
            events: written?.all,
            hot_events: written?.hot,
          });
        }
      }
    }

    let batch: HoldBatchCost | undefined;
    if (serverPid !== undefined) {
      for (const side of sides) await settleDatabase(side.db);
      batch = await measureHoldBatch({
        urls: { after: outboxUrl, before: controlUrl },
        shopId: shopOf(1),
        sku: BATCH_SKU,
        coldVariants: config.coldVariants,
        batches: BATCHES,
      });
    }

    // The books of every database: nothing granted beyond stock, reserved equal to the active holds.
    let oversold = sales.reduce((sum, sale) => sum + Math.max(0, sale.units - config.hotUnits), 0);
    const drift: unknown[] = [];
    for (const side of sides) {
      const report = await reconcileInventoryReserved({ store: side.holds });
      drift.push(...report.drift.map((entry) => ({ side: side.side, ...entry })));
      const { rows } = await side.db.pool.query<{ oversold: number }>(
        `SELECT coalesce(sum(greatest(reserved - quantity, 0) + greatest(-quantity, 0)), 0)::int AS oversold
         FROM "InventoryItem"`,
      );
      oversold += rows[0]?.oversold ?? 0;
    }
    if (oversold > 0) failures.push(`${oversold} units oversold`);
    if (drift.length > 0) failures.push(`reserved does not reconcile: ${JSON.stringify(drift.slice(0, 3))}`);

    const names = sides.map((side) => side.side);
    const unnamed = compareKind(
      sales.filter((sale) => !sale.named),
      names,
    );
    const namedKind = config.stockEventsNamed
      ? compareKind(
          sales.filter((sale) => sale.named),
          names,
        )
      : undefined;
    const targetSide: StockEventsSide = "outbox";
    const perTransaction = sales
      .filter((sale) => sale.hot_events !== undefined && (sale.transactions ?? 0) > 0)
      .map((sale) => sale.hot_events! / sale.transactions!);
    return {
      rounds: config.stockEventsRounds,
      seconds: round((performance.now() - started) / 1000, 1),
      control_migration: STOCK_EVENTS_MIGRATION,
      sides: names,
      unnamed,
      named: namedKind,
      target_side: targetSide,
      within_10pct: [unnamed, namedKind].every((kind) => kind === undefined || kind.within_10pct[targetSide] === true),
      batch,
      hot_events_per_transaction: round(median(perTransaction), 3),
      sales,
      oversold,
      reconcile_ok: drift.length === 0,
      drift: drift.slice(0, 20),
      failures,
    };
  } finally {
    for (const side of sides) await side.db.close().catch(() => {});
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

function compareKind(sales: StockEventsSale[], sides: StockEventsSide[]): StockEventsKind {
  const figures = (pick: (figure: (typeof FIGURES)[number]) => number) =>
    Object.fromEntries(FIGURES.map((figure) => [figure, pick(figure)])) as unknown as StockEventsFigures;
  const medians = Object.fromEntries(
    sides.map((side) => {
      const list = sales.filter((sale) => sale.side === side);
      return [side, figures((figure) => round(median(list.map((sale) => sale[figure]))))];
    }),
  ) as Record<StockEventsSide, StockEventsFigures>;
  const rounds = [...new Set(sales.map((sale) => sale.round))];
  const ratio: StockEventsKind["ratio"] = {};
  const paired: StockEventsKind["paired_ratio"] = {};
  const within: StockEventsKind["within_10pct"] = {};
  for (const side of sides) {
    if (side === "control") continue;
    ratio[side] = figures((figure) => round(medians[side][figure] / medians.control[figure], 3));
    paired[side] = figures((figure) =>
      round(
        median(
          rounds.map((r) => {
            const treated = sales.find((sale) => sale.round === r && sale.side === side)!;
            const control = sales.find((sale) => sale.round === r && sale.side === "control")!;
            return treated[figure] / control[figure];
          }),
        ),
        3,
      ),
    );
    within[side] = ratio[side].units_per_s >= 0.9 && ratio[side].p95_ms <= 1.1;
  }
  return { medians, ratio, paired_ratio: paired, within_10pct: within };
}

async function lastEventId(db: Database): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM "StockEvent"`);
  return rows[0]?.id ?? "0";
}

async function countEvents(
  db: Database,
  shopId: string,
  sku: string,
  afterId: string,
): Promise<{ all: number; hot: number }> {
  const { rows } = await db.pool.query<{ all: number; hot: number }>(
    `SELECT count(*)::int AS all, count(*) FILTER (WHERE sku = $2)::int AS hot
     FROM "StockEvent" WHERE "shopId" = $1 AND id > $3::bigint`,
    [shopId, sku, afterId],
  );
  return rows[0] ?? { all: 0, hot: 0 };
}

/**
 * As phase 3c: a vacuum after the previous sale's holds (no autovacuum inside this one) and a checkpoint (none falls
 * in a sale). A server that refuses CHECKPOINT (not a superuser in DATABASE_URL mode) runs without it.
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

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ");
  return [line(headers), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

const fixed = (value: number | undefined, digits: number) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : "-";

/** Phase 3e on stdout: each round's sales, the medians per side, each side against the control. */
export function printStockEventsComparison(comparison: StockEventsComparison): void {
  const figureCells = (f: StockEventsFigures, digits: [number, number]) => [
    fixed(f.units_per_s, digits[0]),
    fixed(f.holds_per_s, digits[0]),
    fixed(f.p50_ms, digits[1]),
    fixed(f.p95_ms, digits[1]),
    fixed(f.p99_ms, digits[1]),
    fixed(f.postgres_cpu_ms_per_1000_units, digits[0]),
    fixed(f.node_cpu_ms_per_1000_units, digits[0]),
  ];
  for (const [named, kind] of [
    [false, comparison.unnamed],
    [true, comparison.named],
  ] as const) {
    if (!kind) continue;
    const rows: string[][] = comparison.sales
      .filter((sale) => sale.named === named)
      .map((sale) => [
        `round ${sale.round}, ${sale.side}`,
        ...figureCells(sale, [0, 2]),
        sale.events === undefined ? "-" : `${sale.events} (${sale.hot_events} hot)`,
        String(sale.transactions ?? "-"),
      ]);
    for (const side of comparison.sides)
      rows.push([`median, ${side}`, ...figureCells(kind.medians[side], [0, 2]), "", ""]);
    for (const side of comparison.sides) {
      const ratio = kind.ratio[side];
      const paired = kind.paired_ratio[side];
      if (ratio) rows.push([`${side} / control (medians)`, ...figureCells(ratio, [3, 3]), "", ""]);
      if (paired) rows.push([`${side} / control (paired, median)`, ...figureCells(paired, [3, 3]), "", ""]);
    }
    console.log(
      table(
        [
          `stock events, ${named ? "buyers named (3b)" : "hot sale (3)"}`,
          "units/s",
          "holds/s",
          "p50 ms",
          "p95 ms",
          "p99 ms",
          "pg cpu ms/1k units",
          "node cpu ms/1k units",
          "events",
          "tx",
        ],
        rows,
      ),
    );
    for (const side of comparison.sides)
      if (kind.within_10pct[side] !== undefined)
        console.log(
          `  ${side}: within 10% of the control (units/s >= 0.9x and p95 <= 1.1x, medians): ${kind.within_10pct[side] ? "met" : "not met"}`,
        );
    console.log("");
  }
  if (comparison.batch) {
    const { after, before } = comparison.batch;
    console.log(
      `one batch alone (inventory_create_holds_batch, ${comparison.batch.requests_per_batch} requests, ${comparison.batch.batches} in turn on each): ` +
        `PostgreSQL CPU ${after.cpu_ms} ms with the outbox, ${before.cpu_ms} ms without (${fixed(comparison.batch.cpu_ratio, 3)}x); ` +
        `wall ${after.wall_ms} / ${before.wall_ms} ms (${fixed(comparison.batch.wall_ratio, 3)}x)`,
    );
  }
  console.log(
    `hot-variant events per deciding transaction: ${fixed(comparison.hot_events_per_transaction, 3)} (median over the sales)`,
  );
  console.log(
    `stock events attached (control = migrated up to ${comparison.control_migration}, ${comparison.rounds} rounds in turn, ${comparison.seconds} s): ` +
      `${comparison.target_side} within 10%: ${comparison.within_10pct ? "met" : "not met"}; correctness: ${comparison.failures.length === 0 ? "ok" : comparison.failures.join("; ")}`,
  );
  console.log("");
}
