import { createHmac, timingSafeEqual } from "node:crypto";
import { fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
  applyMigrations,
  createDatabase,
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  createStockEventSubscription,
  deliverStockEvents,
  listStockEvents,
  reconcileInventoryReserved,
  releaseInventoryHold,
  sequenceStockEvents,
  STOCK_EVENT_DELIVERY_DEFAULTS,
  STOCK_EVENT_TYPES,
  type Database,
  type HoldStore,
  type InventoryStore,
  type StockEventDeliveryResult,
  type StockEventPayload,
} from "@acme/platform-core";
import pg from "pg";
import { processTreeCpuMs } from "../checkout-e2e/read-cpu-times.ts";
import { HOT_SKU, coldSku } from "../cold-sku.ts";
import type { ErrorCount } from "../create-error-tally.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import type { BenchDatabase } from "../start-bench-database.ts";
import { median, percentile, round } from "../stats.ts";
import { measureHoldBatch, type HoldBatchCost } from "./measure-hold-batch.ts";
import { runHotHoldPhase } from "./run-hot-hold-phase.ts";
import type {
  DeliveryWorkerCommand,
  DeliveryWorkerMessage,
  DeliveryWorkerTask,
} from "./stock-events-delivery-worker.ts";

/** The migration of the stock events outbox: the control database stops just before it. */
export const STOCK_EVENTS_MIGRATION = "20261202100000_stock_events_sync_returns";

const NAMED_SKU = "HOT-NAMED";
/** The variant of the batch-alone measurement, with stock for every batch. */
const BATCH_SKU = "HOT-BATCH";
const BATCHES = 100;
/** Claim budget of one delivery pass, as the after-response pass has it (BACKGROUND_DELIVERY_BUDGET_MS). */
const PASS_BUDGET_MS = 3_000;
/** After a sale, how long the subscriber may take to have every event before the phase calls them missing. */
const DRAIN_TIMEOUT_MS = 15_000;

/**
 * control: no outbox (migrated up to, not including, the stock events migration). outbox: today's schema, the
 * InventoryLevel triggers writing events, nobody reading them. subscribed: today's schema with a subscriber attached
 * and delivery running during the sale.
 */
export type StockEventsSide = "control" | "outbox" | "subscribed";

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
  /** The subscribed side's delivery of the sale's events. */
  delivery: SaleDelivery | undefined;
}

export interface SaleDelivery {
  /** From the last buyer's answer until the subscriber had every event of the shop (0: it had them already). */
  lag_after_sale_ms: number;
  /** How old each of the sale's events was when the subscriber first received it (its commit to its arrival). */
  event_age_p50_ms: number;
  event_age_p95_ms: number;
  event_age_max_ms: number;
  /**
   * Delivery passes (deliverStockEvents calls) and POSTs while the sale ran, and in all until the subscriber had every
   * event.
   */
  passes_during_sale: number;
  posts_during_sale: number;
  passes: number;
  posts: number;
  /** Events per POST over the sale's deliveries. */
  events_per_post: number;
  /** Time the subscriber's handler spent (signature, parsing, bookkeeping) on the sale's deliveries. */
  subscriber_handler_ms: number;
  /** With delivery in a process of its own: that process's CPU while the sale ran. */
  delivery_process_cpu_ms_during_sale?: number;
}

export interface SubscriberReport {
  url: string;
  requests: number;
  events_received: number;
  /** Events received again after the subscriber already had them (at-least-once redelivery); dropped. */
  duplicates: number;
  /** Requests whose X-Acme-Signature did not verify (answered 401). */
  bad_signatures: number;
  /** Events that arrived before an earlier sequence number of their shop. */
  out_of_order: number;
  /**
   * Per shop: its last sequence number, and whether the subscriber had exactly 1..lastSeq, in order, each event as the
   * store lists it.
   */
  shops: Array<{ shop_id: string; last_seq: number; received: number; exact: boolean; problem?: string }>;
  /** Delivery runs that threw. */
  delivery_errors: string[];
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
  /** Numbering the outbox side's events of the sales, alone (embedded server only). */
  sequencing: SequencingCost | undefined;
  /** Delivering the seed's and warm-up's events before the rounds, nothing else running: what delivery costs. */
  delivery_alone: DeliveryCost;
  /** How delivery ran during the subscribed side's sales: the pause between passes, and events per POST at most. */
  delivery_interval_ms: number;
  delivery_batch_size: number;
  /** same: the passes run in the bench's process, on its pool; process: in a process of their own. */
  delivery_mode: "same" | "process";
  subscriber: SubscriberReport;
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
 * `--stock-events-named 1`, of phase 3b) by the same bench code on three fresh databases of the same server: one
 * without the outbox ("control", migrated up to the stock events migration), one as it is ("outbox": the triggers
 * write events, nobody reads them), and one as it is with a subscriber attached ("subscribed": one subscription for
 * the bench's shops with every kind, a signature-checking HTTP server on loopback, and delivery passes running in
 * this process during the sale, as after() runs them on the instance that served the buyers). Rounds interleave the
 * sides (forward in odd rounds, backward in even ones), each round is a shop of its own, each sale starts from a
 * vacuumed database and a checkpoint. Speed is reported as ratios against the in-run control, never asserted;
 * lost, duplicated-but-different or out-of-order events and oversold stock are failures.
 */
export async function runStockEventsComparison(
  config: BenchConfig,
  deps: { server: BenchDatabase; step: (message: string) => void },
): Promise<StockEventsComparison> {
  const started = performance.now();
  const urls: Record<StockEventsSide, string> = {
    control: await deps.server.createDatabase("events_control"),
    outbox: await deps.server.createDatabase("events_outbox"),
    subscribed: await deps.server.createDatabase("events_subscribed"),
  };
  const migrated: Record<StockEventsSide, number> = {
    control: (await applyMigrations({ databaseUrl: urls.control, stopBefore: STOCK_EVENTS_MIGRATION })).applied.length,
    outbox: (await applyMigrations({ databaseUrl: urls.outbox })).applied.length,
    subscribed: (await applyMigrations({ databaseUrl: urls.subscribed })).applied.length,
  };
  deps.step(
    `  databases: control (${migrated.control} migrations, up to ${STOCK_EVENTS_MIGRATION}), outbox (${migrated.outbox}), subscribed (${migrated.subscribed})`,
  );
  const holdOptions =
    config.batchMax === 0 ? { batching: false as const } : { batching: { maxBatch: config.batchMax } };
  const open = (side: StockEventsSide): SideRun => {
    const db = createDatabase({ url: urls[side], poolSize: config.poolSize });
    return { side, db, store: createPrismaInventoryStore(db), holds: createPrismaHoldStore(db, holdOptions) };
  };
  const sides: SideRun[] = [open("control"), open("outbox"), open("subscribed")];
  const subscribed = sides[2]!;
  const subscriber = await startSubscriber();
  const failures: string[] = [];
  const deliveryErrors: string[] = [];
  let delivery: DeliveryRunner | undefined;
  try {
    const serverPid = deps.server.serverPid;
    const serverCpu = () => (serverPid === undefined ? undefined : processTreeCpuMs(serverPid));
    const shopOf = (roundNumber: number) => `${config.shopId}-events-r${roundNumber}`;
    const shops = Array.from({ length: config.stockEventsRounds }, (_, index) => shopOf(index + 1));
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
    // Today's store seeds every side: the hold path is the same code on all three, and so is the stock it starts from.
    for (const side of sides)
      for (const shopId of shops)
        for (let start = 0; start < items.length; start += 250)
          await side.store.upsertItems(shopId, items.slice(start, start + 250), { reason: "import", actor: "bench" });
    for (const side of sides) await warmHolds(config, side, shopOf(1));
    // The outbox side's seed events are numbered now, so that what is left unnumbered at the end is what the sales
    // (and the batch alone) wrote: the sequencing cost is then measured on exactly those.
    await sequenceStockEvents({ db: sides[1]!.db });

    // One subscription for the bench's shops, every kind, from each shop's first event: the subscriber must end with
    // exactly 1..lastSeq of every shop. The seed's and the warm-up's events are delivered now, unmeasured.
    const created = await createStockEventSubscription({
      db: subscribed.db,
      name: "bench subscriber",
      url: subscriber.url,
      shops,
      kinds: [...STOCK_EVENT_TYPES],
      startFrom: "beginning",
      actor: "bench",
    });
    subscriber.secret = created.secret;
    const drainCpu = { postgres: serverCpu(), node: process.cpuUsage(), handler: subscriber.handlerMs };
    const drainStarted = performance.now();
    const drained = await drainDelivery(subscribed.db, config.stockEventsBatchSize, deliveryErrors);
    const drainNode = process.cpuUsage(drainCpu.node);
    const deliveryAlone: DeliveryCost = {
      events: drained.delivered,
      posts: drained.attempts,
      wall_ms: round(performance.now() - drainStarted, 1),
      postgres_cpu_ms: round((serverCpu() ?? Number.NaN) - (drainCpu.postgres ?? Number.NaN), 1),
      node_cpu_ms: round((drainNode.user + drainNode.system) / 1000, 1),
      subscriber_handler_ms: round(subscriber.handlerMs - drainCpu.handler, 1),
    };
    deps.step(
      `  subscriber ${subscriber.url}: ${drained.delivered} events of the seed and warm-up delivered in ${drained.attempts} POSTs`,
    );
    delivery =
      config.stockEventsDelivery === "process"
        ? await startDeliveryProcess(urls.subscribed, config, deliveryErrors)
        : sameProcessDelivery(subscribed.db, config, deliveryErrors);

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
          const firstSeq = subscriber.contiguous(shopId);
          const handlerBefore = subscriber.handlerMs;
          const loop = side === subscribed ? delivery : undefined;
          loop?.start();
          const cpuBefore = { postgres: serverCpu(), node: process.cpuUsage() };
          const sale = await runHotHoldPhase(
            { ...config, shopId },
            { holds: side.holds },
            { sku, clients: named, label: `round ${r}, ${side.side}${named ? ", named" : ""}` },
          );
          const saleEnd = performance.now();
          const postgresCpu = (serverCpu() ?? Number.NaN) - (cpuBefore.postgres ?? Number.NaN);
          const nodeCpu = process.cpuUsage(cpuBefore.node);
          const duringSale = await loop?.tally();
          const perThousand = (ms: number) => round((ms / Math.max(sale.hotUnitsGranted, 1)) * 1000, 1);
          const written = firstEvent === undefined ? undefined : await countEvents(side.db, shopId, sku, firstEvent);
          let saleDelivery: SaleDelivery | undefined;
          if (loop) {
            const target = await shopEventCount(side.db, shopId);
            const completeAt = await subscriber.waitFor(shopId, target, DRAIN_TIMEOUT_MS);
            const total = await loop.stop();
            if (completeAt === undefined)
              failures.push(
                `round ${r}: the subscriber had ${subscriber.contiguous(shopId)} of ${target} events of ${shopId} ${DRAIN_TIMEOUT_MS / 1000} s after the sale`,
              );
            const ages = subscriber.ages(shopId, firstSeq).sort((a, b) => a - b);
            saleDelivery = {
              lag_after_sale_ms: completeAt === undefined ? Number.NaN : round(Math.max(0, completeAt - saleEnd), 1),
              event_age_p50_ms: round(percentile(ages, 50), 1),
              event_age_p95_ms: round(percentile(ages, 95), 1),
              event_age_max_ms: round(ages[ages.length - 1] ?? Number.NaN, 1),
              passes_during_sale: duringSale!.passes,
              posts_during_sale: duringSale!.attempts,
              passes: total.passes,
              posts: total.attempts,
              events_per_post: round(total.delivered / Math.max(total.sent, 1), 1),
              subscriber_handler_ms: round(subscriber.handlerMs - handlerBefore, 1),
              ...(duringSale!.cpu_ms === undefined
                ? {}
                : { delivery_process_cpu_ms_during_sale: round(duringSale!.cpu_ms, 1) }),
            };
          }
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
            delivery: saleDelivery,
          });
        }
      }
    }

    let batch: HoldBatchCost | undefined;
    if (serverPid !== undefined) {
      for (const side of sides) await settleDatabase(side.db);
      batch = await measureHoldBatch({
        urls: { after: urls.outbox, before: urls.control },
        shopId: shopOf(1),
        sku: BATCH_SKU,
        coldVariants: config.coldVariants,
        batches: BATCHES,
      });
    }

    const sequencing = serverPid === undefined ? undefined : await measureSequencing(urls.outbox, shops);

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

    // What the subscriber has, against what the store says each shop's events are.
    const shopReports: SubscriberReport["shops"] = [];
    for (const shopId of shops) {
      const check = await checkSubscriberShop(subscribed.db, subscriber, shopId);
      shopReports.push(check);
      if (!check.exact) failures.push(`subscriber, ${shopId}: ${check.problem}`);
    }
    if (subscriber.badSignatures > 0) failures.push(`${subscriber.badSignatures} deliveries with a bad signature`);
    if (subscriber.outOfOrder > 0) failures.push(`${subscriber.outOfOrder} events arrived out of order`);

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
    const targetSide: StockEventsSide = "subscribed";
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
      sequencing,
      delivery_alone: deliveryAlone,
      delivery_mode: config.stockEventsDelivery,
      delivery_interval_ms: config.stockEventsIntervalMs,
      delivery_batch_size: config.stockEventsBatchSize ?? STOCK_EVENT_DELIVERY_DEFAULTS.batchSize,
      subscriber: {
        url: subscriber.url,
        requests: subscriber.requests,
        events_received: subscriber.eventsReceived,
        duplicates: subscriber.duplicates,
        bad_signatures: subscriber.badSignatures,
        out_of_order: subscriber.outOfOrder,
        shops: shopReports,
        delivery_errors: deliveryErrors.slice(0, 20),
      },
      hot_events_per_transaction: round(median(perTransaction), 3),
      sales,
      oversold,
      reconcile_ok: drift.length === 0,
      drift: drift.slice(0, 20),
      failures,
    };
  } finally {
    await delivery?.close().catch(() => {});
    for (const side of sides) await side.db.close().catch(() => {});
    await subscriber.close();
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

export interface DeliveryCost {
  events: number;
  posts: number;
  wall_ms: number;
  /** The whole embedded server's CPU (NaN with DATABASE_URL's server) and the bench process's, subscriber included. */
  postgres_cpu_ms: number;
  node_cpu_ms: number;
  /** Of the Node CPU, about this much was the subscriber's request handler (timed by the clock). */
  subscriber_handler_ms: number;
}

export interface SequencingCost {
  /** Events numbered, over every shop of the outbox database (the sales' events; the batch alone's in the first). */
  events: number;
  /** The backend's CPU for stock_events_sequence over them, in all and per event. */
  cpu_ms: number;
  cpu_us_per_event: number;
  wall_ms: number;
}

/**
 * What numbering the sales' events costs PostgreSQL, alone: stock_events_sequence on one connection, shop by shop,
 * timed by the backend's own CPU (/proc/<pid>/schedstat), on the outbox database whose events nobody numbered since
 * its seed.
 */
async function measureSequencing(url: string, shops: string[]): Promise<SequencingCost | undefined> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    const cpuNs = async () => {
      const text = await readFile(`/proc/${pid}/schedstat`, "utf8").catch(() => undefined);
      return text === undefined ? undefined : Number(text.split(" ")[0]);
    };
    if ((await cpuNs()) === undefined) return undefined;
    let events = 0;
    let cpu = 0;
    let wall = 0;
    for (const shopId of shops) {
      const cpuBefore = (await cpuNs())!;
      const started = performance.now();
      const { rows } = await client.query<{ n: number }>("SELECT stock_events_sequence($1, 1000000) AS n", [shopId]);
      wall += performance.now() - started;
      cpu += ((await cpuNs())! - cpuBefore) / 1e6;
      events += rows[0]?.n ?? 0;
    }
    return {
      events,
      cpu_ms: round(cpu, 1),
      cpu_us_per_event: round((cpu * 1000) / Math.max(events, 1), 1),
      wall_ms: round(wall, 1),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

interface DeliveryTally {
  passes: number;
  sequenced: number;
  attempts: number;
  sent: number;
  failed: number;
  delivered: number;
}

const emptyTally = (): DeliveryTally => ({ passes: 0, sequenced: 0, attempts: 0, sent: 0, failed: 0, delivered: 0 });

function addPass(tally: DeliveryTally, result: StockEventDeliveryResult): void {
  tally.passes += 1;
  tally.sequenced += result.sequenced;
  tally.attempts += result.attempts;
  tally.sent += result.sent;
  tally.failed += result.failed;
  tally.delivered += result.delivered;
}

/**
 * Delivery as an instance runs it after its responses (`after()`): a pass of `deliverStockEvents` (sequence, then
 * claim and POST each due cursor's next batch), then a pause, one pass in flight at a time, from the process that
 * serves the buyers and on its pool. A pass that throws is counted and the loop goes on, as the next after() would.
 */
function startDeliveryLoop(
  db: Database,
  intervalMs: number,
  batchSize: number | undefined,
  errors: string[],
): { tally(): DeliveryTally; stop(): Promise<DeliveryTally> } {
  const tally = emptyTally();
  let stopped = false;
  let wake: (() => void) | undefined;
  const running = (async () => {
    while (!stopped) {
      try {
        addPass(tally, await deliverStockEvents({ db, budgetMs: PASS_BUDGET_MS, ...(batchSize ? { batchSize } : {}) }));
      } catch (error) {
        tally.passes += 1;
        errors.push(error instanceof Error ? error.message : String(error));
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    tally: () => ({ ...tally }),
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
      return { ...tally };
    },
  };
}

/** Where the subscribed side's delivery passes run; started before each of its sales, stopped once delivered. */
interface DeliveryRunner {
  start(): void;
  /** Counts since start (with the delivery process's CPU when it has its own). */
  tally(): Promise<DeliveryTally & { cpu_ms?: number }>;
  stop(): Promise<DeliveryTally & { cpu_ms?: number }>;
  close(): Promise<void>;
}

function sameProcessDelivery(db: Database, config: BenchConfig, errors: string[]): DeliveryRunner {
  let loop: ReturnType<typeof startDeliveryLoop> | undefined;
  return {
    start: () => {
      loop = startDeliveryLoop(db, config.stockEventsIntervalMs, config.stockEventsBatchSize, errors);
    },
    tally: () => Promise.resolve(loop?.tally() ?? emptyTally()),
    stop: async () => {
      const total = (await loop?.stop()) ?? emptyTally();
      loop = undefined;
      return total;
    },
    close: async () => {
      await loop?.stop();
    },
  };
}

const DELIVERY_WORKER = fileURLToPath(new URL("./stock-events-delivery-worker.ts", import.meta.url));

/** The delivery loop in a process of its own (stock-events-delivery-worker.ts), connected and warm before the sales. */
async function startDeliveryProcess(url: string, config: BenchConfig, errors: string[]): Promise<DeliveryRunner> {
  const task: DeliveryWorkerTask = {
    url,
    poolSize: 8,
    intervalMs: config.stockEventsIntervalMs,
    budgetMs: PASS_BUDGET_MS,
    batchSize: config.stockEventsBatchSize,
  };
  const child = fork(DELIVERY_WORKER, [JSON.stringify(task)], {
    execArgv: ["--conditions=react-server", "--import", import.meta.resolve("tsx")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiters: Array<{ resolve(message: DeliveryWorkerMessage): void; reject(error: Error): void }> = [];
  child.on("message", (message: DeliveryWorkerMessage) => waiters.shift()?.resolve(message));
  child.on("exit", (code) => {
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`the delivery process exited with ${code}`));
  });
  const next = () => new Promise<DeliveryWorkerMessage>((resolve, reject) => waiters.push({ resolve, reject }));
  const ask = async (command: DeliveryWorkerCommand) => {
    const answer = next();
    child.send(command);
    const message = await answer;
    if (message.type !== "tally") throw new Error(`the delivery process answered ${message.type}`);
    const { errors: thrown, ...tally } = message.tally;
    return { tally, thrown };
  };
  await next();
  let seen = 0;
  return {
    start: () => {
      seen = 0;
      child.send({ type: "start" } satisfies DeliveryWorkerCommand);
    },
    tally: async () => (await ask({ type: "tally" })).tally,
    stop: async () => {
      const { tally, thrown } = await ask({ type: "stop" });
      errors.push(...thrown.slice(seen));
      seen = thrown.length;
      return tally;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.send({ type: "exit" } satisfies DeliveryWorkerCommand);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill();
    },
  };
}

/** Passes until one finds nothing to number and nothing to send. */
async function drainDelivery(db: Database, batchSize: number | undefined, errors: string[]): Promise<DeliveryTally> {
  const tally = emptyTally();
  for (let pass = 0; pass < 1_000; pass++) {
    try {
      const result = await deliverStockEvents({ db, budgetMs: PASS_BUDGET_MS, ...(batchSize ? { batchSize } : {}) });
      addPass(tally, result);
      if (result.sequenced === 0 && result.attempts === 0) break;
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return tally;
}

async function shopEventCount(db: Database, shopId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "StockEvent" WHERE "shopId" = $1`,
    [shopId],
  );
  return rows[0]?.n ?? 0;
}

interface ShopLog {
  /** The next sequence number the subscriber is missing: it has 1..next-1. */
  next: number;
  /** Each event as first received, by sequence number, with its age on arrival. */
  events: Map<number, { event: StockEventPayload; ageMs: number }>;
  /** When `next` last moved (performance.now()). */
  advancedAt: number;
}

interface Subscriber {
  url: string;
  secret: string;
  requests: number;
  eventsReceived: number;
  duplicates: number;
  badSignatures: number;
  outOfOrder: number;
  /** Time spent in the request handler, ms. */
  handlerMs: number;
  contiguous(shopId: string): number;
  /** Ages on arrival of the shop's events after this sequence number. */
  ages(shopId: string, afterSeq: number): number[];
  event(shopId: string, seq: number): StockEventPayload | undefined;
  received(shopId: string): number;
  /** When the subscriber first had 1..target of the shop (performance.now()), or undefined after the timeout. */
  waitFor(shopId: string, target: number, timeoutMs: number): Promise<number | undefined>;
  close(): Promise<void>;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, checked as a subscriber would, from the docs alone. */
function signatureValid(body: string, header: string | undefined, secret: string): boolean {
  if (!header || secret === "") return false;
  const parts = new Map(
    header.split(",").map((part) => {
      const index = part.indexOf("=");
      return [part.slice(0, index).trim(), part.slice(index + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get("t"));
  const given = Buffer.from(parts.get("v1") ?? "", "hex");
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The subscriber: a real HTTP server on loopback that checks each delivery's signature on the raw body (401 when it
 * does not verify), records every event by shop and sequence number (a second copy of one it has is a duplicate,
 * dropped), notes any event that arrives before an earlier one of its shop, and answers 200.
 */
async function startSubscriber(): Promise<Subscriber> {
  const shops = new Map<string, ShopLog>();
  const logOf = (shopId: string) => {
    let log = shops.get(shopId);
    if (!log) shops.set(shopId, (log = { next: 1, events: new Map(), advancedAt: performance.now() }));
    return log;
  };
  const subscriber: Omit<Subscriber, "url" | "close"> = {
    secret: "",
    requests: 0,
    eventsReceived: 0,
    duplicates: 0,
    badSignatures: 0,
    outOfOrder: 0,
    handlerMs: 0,
    contiguous: (shopId) => logOf(shopId).next - 1,
    ages: (shopId, afterSeq) =>
      [...logOf(shopId).events.entries()].filter(([seq]) => seq > afterSeq).map(([, event]) => event.ageMs),
    event: (shopId, seq) => logOf(shopId).events.get(seq)?.event,
    received: (shopId) => logOf(shopId).events.size,
    waitFor: async (shopId, target, timeoutMs) => {
      const deadline = performance.now() + timeoutMs;
      const log = logOf(shopId);
      while (log.next - 1 < target) {
        if (performance.now() > deadline) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return log.advancedAt;
    },
  };
  const record = (batch: { shopId?: unknown; events?: unknown }) => {
    const events = Array.isArray(batch.events) ? (batch.events as StockEventPayload[]) : [];
    const now = Date.now();
    for (const event of events) {
      subscriber.eventsReceived += 1;
      const log = logOf(String(event.shopId));
      if (event.shopId !== batch.shopId) subscriber.outOfOrder += 1;
      if (log.events.has(event.sequence)) {
        subscriber.duplicates += 1;
        continue;
      }
      if (event.sequence !== log.next) subscriber.outOfOrder += 1;
      log.events.set(event.sequence, { event, ageMs: now - Date.parse(event.occurredAt) });
      while (log.events.has(log.next)) log.next += 1;
      log.advancedAt = performance.now();
    }
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const started = performance.now();
      subscriber.requests += 1;
      const body = Buffer.concat(chunks).toString("utf8");
      const header = request.headers["x-acme-signature"];
      if (!signatureValid(body, Array.isArray(header) ? header[0] : header, subscriber.secret)) {
        subscriber.badSignatures += 1;
        response.writeHead(401).end();
      } else {
        try {
          record(JSON.parse(body) as { shopId?: unknown; events?: unknown });
          response.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
        } catch {
          response.writeHead(400).end();
        }
      }
      subscriber.handlerMs += performance.now() - started;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(subscriber, {
    url: `http://127.0.0.1:${port}/stock-events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * The subscriber against the store: every event of the shop numbered (lastSeq = its events, none left without a
 * number), and the subscriber has exactly 1..lastSeq, each as the store lists it (listStockEvents).
 */
async function checkSubscriberShop(
  db: Database,
  subscriber: Subscriber,
  shopId: string,
): Promise<SubscriberReport["shops"][number]> {
  const { rows } = await db.pool.query<{ last: number; events: number; unsequenced: number }>(
    `SELECT coalesce((SELECT "lastSeq" FROM "StockEventShop" WHERE "shopId" = $1), 0)::int AS last,
            count(*)::int AS events, count(*) FILTER (WHERE seq IS NULL)::int AS unsequenced
     FROM "StockEvent" WHERE "shopId" = $1`,
    [shopId],
  );
  const { last, events, unsequenced } = rows[0]!;
  const received = subscriber.received(shopId);
  const report = (problem?: string) => ({
    shop_id: shopId,
    last_seq: last,
    received,
    exact: problem === undefined,
    ...(problem ? { problem } : {}),
  });
  if (unsequenced > 0 || last !== events) return report(`${events} events, lastSeq ${last}, ${unsequenced} unnumbered`);
  if (received !== last || subscriber.contiguous(shopId) !== last)
    return report(
      `received ${received} distinct events, 1..${subscriber.contiguous(shopId)} contiguous, lastSeq ${last}`,
    );
  let afterSeq = 0;
  for (;;) {
    const page = await listStockEvents({ db, shopId, afterSeq, limit: 1000 });
    if (page.events.length === 0) break;
    for (const event of page.events)
      if (JSON.stringify(subscriber.event(shopId, event.sequence)) !== JSON.stringify(event))
        return report(`event ${event.sequence} differs from the store's`);
    afterSeq = page.nextAfterSeq;
  }
  return report();
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
  const delivered = comparison.sales.filter((sale) => sale.delivery !== undefined);
  if (delivered.length > 0) {
    console.log(
      table(
        [
          `subscriber (delivery ${comparison.delivery_mode === "same" ? "in this process" : "in its own process"}, a pass every ${comparison.delivery_interval_ms} ms, <= ${comparison.delivery_batch_size} events a POST)`,
          "events",
          "lag after sale ms",
          "event age p50 ms",
          "p95 ms",
          "max ms",
          "passes (in sale)",
          "POSTs (in sale)",
          "events/POST",
          "handler ms",
          "delivery process cpu ms (in sale)",
        ],
        delivered.map((sale) => {
          const d = sale.delivery!;
          return [
            `round ${sale.round}${sale.named ? ", named" : ""}`,
            String(sale.events ?? "-"),
            fixed(d.lag_after_sale_ms, 1),
            fixed(d.event_age_p50_ms, 1),
            fixed(d.event_age_p95_ms, 1),
            fixed(d.event_age_max_ms, 1),
            `${d.passes} (${d.passes_during_sale})`,
            `${d.posts} (${d.posts_during_sale})`,
            fixed(d.events_per_post, 1),
            fixed(d.subscriber_handler_ms, 1),
            fixed(d.delivery_process_cpu_ms_during_sale, 1),
          ];
        }),
      ),
    );
    const lags = delivered.map((sale) => sale.delivery!.lag_after_sale_ms);
    console.log(`  lag after the sale: median ${fixed(median(lags), 1)} ms, max ${fixed(Math.max(...lags), 1)} ms`);
    console.log("");
  }
  const sub = comparison.subscriber;
  const exact = sub.shops.filter((shop) => shop.exact).length;
  console.log(
    `subscriber: ${sub.requests} requests, ${sub.events_received} events received, ${sub.duplicates} duplicates, ` +
      `${sub.bad_signatures} bad signatures, ${sub.out_of_order} out of order; exactly 1..lastSeq in order in ${exact} of ${sub.shops.length} shops` +
      (sub.delivery_errors.length > 0
        ? `; ${sub.delivery_errors.length} delivery passes threw: ${sub.delivery_errors[0]}`
        : ""),
  );
  if (comparison.batch) {
    const { after, before } = comparison.batch;
    console.log(
      `one batch alone (inventory_create_holds_batch, ${comparison.batch.requests_per_batch} requests, ${comparison.batch.batches} in turn on each): ` +
        `PostgreSQL CPU ${after.cpu_ms} ms with the outbox, ${before.cpu_ms} ms without (${fixed(comparison.batch.cpu_ratio, 3)}x); ` +
        `wall ${after.wall_ms} / ${before.wall_ms} ms (${fixed(comparison.batch.wall_ratio, 3)}x)`,
    );
  }
  {
    const d = comparison.delivery_alone;
    const per = (ms: number) => fixed((ms * 1000) / Math.max(d.events, 1), 1);
    console.log(
      `delivery alone (the seed's events, before the rounds): ${d.events} events in ${d.posts} POSTs, ${d.wall_ms} ms; ` +
        `PostgreSQL CPU ${d.postgres_cpu_ms} ms (${per(d.postgres_cpu_ms)} µs an event), ` +
        `Node CPU ${d.node_cpu_ms} ms (${per(d.node_cpu_ms)} µs an event; the subscriber's handler ${d.subscriber_handler_ms} ms of it)`,
    );
  }
  if (comparison.sequencing) {
    const { events, cpu_ms, cpu_us_per_event, wall_ms } = comparison.sequencing;
    console.log(
      `numbering the outbox side's sale events alone (stock_events_sequence): ${events} events, PostgreSQL CPU ${cpu_ms} ms (${cpu_us_per_event} µs an event), wall ${wall_ms} ms`,
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
