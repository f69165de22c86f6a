import {
  commitInventoryHold,
  createInventoryHold,
  createPrismaLocationStore,
  isInventoryError,
  reconcileInventoryReserved,
  releaseInventoryHold,
  type Database,
  type HoldStore,
  type InventoryStore,
} from "@acme/platform-core";
import { createErrorTally, type ErrorCount } from "../create-error-tally.ts";
import { createProgress } from "../create-progress.ts";
import { createRandom } from "../create-random.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { runClosedLoop } from "../run-closed-loop.ts";
import { median, round, summarise } from "../stats.ts";

/** The five online locations, best priority first; `main` is every shop's own (priority 100 by default). */
export const SPLIT_LOCATIONS = [
  { code: "main", priority: 100 },
  { code: "east", priority: 200 },
  { code: "west", priority: 300 },
  { code: "north", priority: 400 },
  { code: "south", priority: 500 },
] as const;

/**
 * Three hot variants, each stocked mostly at two warehouses (half each) and a few units everywhere else. No location
 * has the bulk of A and B, or of B and C: after the first few units go, every cart with those pairs splits; north
 * has the bulk of A and C, so carts of A and C alone do not have to.
 */
export const SPLIT_VARIANTS = [
  { sku: "SPLIT-A", warehouses: ["main", "north"] },
  { sku: "SPLIT-B", warehouses: ["east", "south"] },
  { sku: "SPLIT-C", warehouses: ["west", "north"] },
] as const;

const MAX_ERRORS = 1_000;
/** Every tenth granted hold is released, the rest are committed (sold). */
const RELEASE_EVERY = 10;

export interface SplitSale {
  shop: string;
  round: number;
  /** 5: the shop with five online locations; 1: the same stock and carts at one location. */
  locations: number;
  holds_per_s: number;
  units_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  requests: number;
  holds: number;
  units: number;
  stock: number;
  wall_s: number;
  /** Holds whose units come from more than one location. */
  split_share: number;
  mean_locations_per_hold: number;
  /** Cart lines (one variant of a hold) taken from more than one location. */
  split_line_share: number;
  /** Holds then committed (sold) and released, 32 at a time. */
  committed: number;
  released: number;
  settle_per_s: number;
  /** Units of committed holds, and units that left the levels (quantity before minus after, at every location). */
  sold_units: number;
  units_left_levels: number;
  /** Per location, the units that left equal the committed units there; nothing reserved at the end. */
  books_ok: boolean;
  reconcile_ok: boolean;
  oversold: number;
  timed_out: boolean;
  errors: ErrorCount[];
  drift: unknown[];
}

export interface SplitCartPhaseResult {
  sales: SplitSale[];
  /** The whole phase: shops and locations made and stocked, every sale and its settlement. */
  seconds: number;
  /** Medians over the sales of each kind. */
  five: Pick<
    SplitSale,
    "holds_per_s" | "units_per_s" | "p50_ms" | "p95_ms" | "p99_ms" | "split_share" | "mean_locations_per_hold"
  >;
  one: Pick<
    SplitSale,
    "holds_per_s" | "units_per_s" | "p50_ms" | "p95_ms" | "p99_ms" | "split_share" | "mean_locations_per_hold"
  >;
  /** Five locations / one: units/s, and p95. */
  units_per_s_ratio: number;
  p95_ratio: number;
  oversold: number;
  books_ok: boolean;
  reconcile_ok: boolean;
}

/**
 * Stock at many locations under the flash sale's concurrency: `buyers` buyers in a closed loop, each cart 2-3
 * distinct lines of the three split variants, 1-2 units a line, until a buyer is refused; on a shop with five online
 * locations (`fewest_locations`, the default strategy), and, as the control, the same stock and carts on a shop with
 * one. Sales of the two kinds alternate (one, five, five, one, ...), each on a shop of its own. After each sale the
 * holds are settled (nine in ten committed) and the books checked: nothing held or sold beyond a location's stock,
 * units that left each level equal to the committed units there, nothing left reserved, both reconciliations clean.
 */
export async function runSplitCartPhase(
  config: BenchConfig,
  deps: { db: Database; store: InventoryStore; holds: HoldStore },
): Promise<SplitCartPhaseResult> {
  const started = performance.now();
  const locations = createPrismaLocationStore(deps.db);
  const perVariant = config.hotUnits;
  const sales: SplitSale[] = [];
  for (let r = 1; r <= config.splitRounds; r++) {
    for (const count of r % 2 === 1 ? [1, 5] : [5, 1]) {
      const shop = `${config.shopId}-split${count}-r${r}`;
      const stock = stockLayout(count, perVariant, config.splitFewUnits);
      if (count > 1) {
        for (const location of SPLIT_LOCATIONS.slice(1))
          await locations.createLocation({
            shopId: shop,
            code: location.code,
            name: `${location.code} warehouse`,
            priority: location.priority,
            actor: "bench",
          });
      }
      await deps.store.upsertItems(
        shop,
        stock.map((level) => ({
          sku: level.sku,
          productId: "split",
          quantity: level.quantity,
          location: level.location,
        })),
        { reason: "import", actor: "bench" },
      );
      sales.push(await runSale(config, deps, { shop, round: r, locations: count, stock }));
    }
  }
  const pick = (count: number) => {
    const list = sales.filter((sale) => sale.locations === count);
    const m = (figure: keyof SplitCartPhaseResult["five"]) => round(median(list.map((sale) => sale[figure])), 3);
    return {
      holds_per_s: m("holds_per_s"),
      units_per_s: m("units_per_s"),
      p50_ms: m("p50_ms"),
      p95_ms: m("p95_ms"),
      p99_ms: m("p99_ms"),
      split_share: m("split_share"),
      mean_locations_per_hold: m("mean_locations_per_hold"),
    };
  };
  const five = pick(5);
  const one = pick(1);
  return {
    sales,
    seconds: round((performance.now() - started) / 1000, 1),
    five,
    one,
    units_per_s_ratio: round(five.units_per_s / one.units_per_s, 3),
    p95_ratio: round(five.p95_ms / one.p95_ms, 3),
    oversold: sales.reduce((sum, sale) => sum + sale.oversold, 0),
    books_ok: sales.every((sale) => sale.books_ok),
    reconcile_ok: sales.every((sale) => sale.reconcile_ok),
  };
}

interface Level {
  sku: string;
  location: string;
  quantity: number;
}

/** Each variant's units over the locations (`SPLIT_VARIANTS`), or all at main for the one-location control. */
function stockLayout(count: number, units: number, few: number): Level[] {
  return SPLIT_VARIANTS.flatMap((variant) => {
    if (count === 1) return [{ sku: variant.sku, location: "main", quantity: units }];
    const bulk = Math.max(0, units - few * (SPLIT_LOCATIONS.length - variant.warehouses.length));
    const half = Math.floor(bulk / 2);
    return SPLIT_LOCATIONS.map((location) => {
      const index = (variant.warehouses as readonly string[]).indexOf(location.code);
      return {
        sku: variant.sku,
        location: location.code,
        quantity: index === -1 ? few : index === 0 ? half : bulk - half,
      };
    });
  });
}

async function runSale(
  config: BenchConfig,
  deps: { db: Database; holds: HoldStore },
  sale: { shop: string; round: number; locations: number; stock: Level[] },
): Promise<SplitSale> {
  const { shop } = sale;
  // The same carts in every sale.
  const random = createRandom(config.randomSeed + 5);
  const latencies: number[] = [];
  const granted: Array<{ holdId: string; units: number }> = [];
  const errors = createErrorTally();
  const stock = sale.stock.reduce((sum, level) => sum + level.quantity, 0);
  const progress = createProgress(
    `round ${sale.round}, ${sale.locations} location${sale.locations > 1 ? "s" : ""}`,
    stock,
  );
  let units = 0;
  const cart = () => {
    const lines = random.int(2, 3);
    const picked = new Set<number>();
    while (picked.size < lines) picked.add(random.int(0, SPLIT_VARIANTS.length - 1));
    return [...picked].map((index) => ({ sku: SPLIT_VARIANTS[index]!.sku, quantity: random.int(1, 2) }));
  };
  const loop = await runClosedLoop({
    concurrency: config.buyers,
    timeoutSeconds: config.phaseTimeoutSeconds,
    shouldStop: () => errors.total() >= MAX_ERRORS,
    attempt: async () => {
      const requests = cart();
      const started = performance.now();
      try {
        const { holdId } = await createInventoryHold({ shopId: shop, requests, ttlSeconds: 600, store: deps.holds });
        latencies.push(performance.now() - started);
        const held = requests.reduce((sum, line) => sum + line.quantity, 0);
        granted.push({ holdId, units: held });
        units += held;
        progress.update(units, `(${granted.length} holds)`);
        return true;
      } catch (error) {
        if (isInventoryError(error, "inventory_insufficient")) {
          latencies.push(performance.now() - started);
          return false;
        }
        errors.add(error);
        return true;
      }
    },
  });
  const summary = summarise(latencies, granted.length, loop.wallSeconds);

  const { rows: shape } = await deps.db.pool.query<{
    holds: number;
    split: number;
    mean_locations: number;
    lines: number;
    split_lines: number;
  }>(
    `WITH lines AS (
       SELECT "holdId", sku, count(*)::int AS parts FROM "InventoryHoldItem" WHERE "shopId" = $1 GROUP BY 1, 2
     ), holds AS (
       SELECT "holdId", count(DISTINCT location)::int AS n FROM "InventoryHoldItem" WHERE "shopId" = $1 GROUP BY 1
     )
     SELECT (SELECT count(*) FROM holds)::int AS holds, (SELECT count(*) FROM holds WHERE n > 1)::int AS split,
            (SELECT coalesce(avg(n), 0) FROM holds)::float8 AS mean_locations,
            (SELECT count(*) FROM lines)::int AS lines, (SELECT count(*) FROM lines WHERE parts > 1)::int AS split_lines`,
    [shop],
  );
  const holdShape = shape[0]!;
  // Nothing held beyond any location's stock (the CHECKs refuse it; this reads the rows rather than trusting them).
  const levelsBefore = await readLevels(deps.db, shop);
  let oversold = Math.max(0, units - stock);
  for (const level of levelsBefore)
    oversold += Math.max(0, level.reserved - level.quantity) + Math.max(0, -level.quantity);

  const settleStarted = performance.now();
  let next = 0;
  let committed = 0;
  let soldUnits = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < granted.length) {
        const index = next++;
        const hold = granted[index]!;
        try {
          if (index % RELEASE_EVERY === RELEASE_EVERY - 1)
            await releaseInventoryHold({ shopId: shop, holdId: hold.holdId, store: deps.holds });
          else {
            await commitInventoryHold({ shopId: shop, holdId: hold.holdId, store: deps.holds });
            committed += 1;
            soldUnits += hold.units;
          }
        } catch (error) {
          errors.add(error);
        }
      }
    }),
  );
  const settleSeconds = (performance.now() - settleStarted) / 1000;

  const levelsAfter = await readLevels(deps.db, shop);
  const { rows: soldAt } = await deps.db.pool.query<{ sku: string; location: string; units: number }>(
    `SELECT hi.sku, hi.location, sum(hi.quantity)::int AS units
     FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
     WHERE hi."shopId" = $1 AND h.status = 'committed' GROUP BY 1, 2`,
    [shop],
  );
  const soldByLevel = new Map(soldAt.map((row) => [`${row.sku}@${row.location}`, row.units]));
  const initial = new Map(sale.stock.map((level) => [`${level.sku}@${level.location}`, level.quantity]));
  let unitsLeft = 0;
  let booksOk = levelsAfter.length === sale.stock.length;
  for (const level of levelsAfter) {
    const key = `${level.sku}@${level.location}`;
    const left = (initial.get(key) ?? 0) - level.quantity;
    unitsLeft += left;
    if (left !== (soldByLevel.get(key) ?? 0) || level.reserved !== 0) booksOk = false;
    oversold += Math.max(0, -level.quantity);
  }
  booksOk &&= unitsLeft === soldUnits;
  const locationReport = await createPrismaLocationStore(deps.db).reconcile({ shopId: shop });
  const reservedReport = await reconcileInventoryReserved({ shopId: shop, store: deps.holds });
  const drift = [...locationReport.drift, ...reservedReport.drift];
  progress.finish(
    `${units} of ${stock} units in ${granted.length} holds, ${loop.wallSeconds.toFixed(2)}s; ` +
      `${((holdShape.split / Math.max(holdShape.holds, 1)) * 100).toFixed(0)}% split; ` +
      `${committed} committed, ${granted.length - committed} released in ${settleSeconds.toFixed(2)}s` +
      (errors.total() > 0 ? `, ${errors.total()} UNEXPECTED ERRORS` : "") +
      (loop.timedOut ? ", TIMED OUT" : ""),
  );
  return {
    shop,
    round: sale.round,
    locations: sale.locations,
    holds_per_s: summary.per_s,
    units_per_s: round(loop.wallSeconds > 0 ? units / loop.wallSeconds : 0, 1),
    p50_ms: summary.p50_ms,
    p95_ms: summary.p95_ms,
    p99_ms: summary.p99_ms,
    requests: latencies.length,
    holds: granted.length,
    units,
    stock,
    wall_s: round(loop.wallSeconds, 3),
    split_share: round(holdShape.split / Math.max(holdShape.holds, 1), 4),
    mean_locations_per_hold: round(holdShape.mean_locations, 3),
    split_line_share: round(holdShape.split_lines / Math.max(holdShape.lines, 1), 4),
    committed,
    released: granted.length - committed,
    settle_per_s: round(settleSeconds > 0 ? granted.length / settleSeconds : 0, 1),
    sold_units: soldUnits,
    units_left_levels: unitsLeft,
    books_ok: booksOk && holdShape.holds === granted.length,
    reconcile_ok: drift.length === 0,
    oversold,
    timed_out: loop.timedOut,
    errors: errors.list(),
    drift: drift.slice(0, 20),
  };
}

async function readLevels(
  db: Database,
  shop: string,
): Promise<Array<{ sku: string; location: string; quantity: number; reserved: number }>> {
  const { rows } = await db.pool.query<{ sku: string; location: string; quantity: number; reserved: number }>(
    `SELECT sku, location, quantity, reserved FROM "InventoryLevel" WHERE "shopId" = $1
     ORDER BY sku COLLATE "C", location COLLATE "C"`,
    [shop],
  );
  return rows;
}
