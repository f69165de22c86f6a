import path from "node:path";
import { fileURLToPath } from "node:url";

/** Every size and rate of the benchmark; defaults are the scenario. */
export interface BenchConfig {
  /** Multiplies unit counts, durations and the reaper's size (0.05 for a quick end-to-end check). */
  scale: number;
  poolSize: number;
  /** Largest hold batch (group commit); 0 turns batching off, to measure what it buys. */
  batchMax: number;
  shopId: string;
  hotUnits: number;
  coldVariants: number;
  coldUnits: number;
  validateRate: number;
  validateSeconds: number;
  buyers: number;
  /** Share of hot-phase carts that also take 1-2 cold variants. */
  multiLineShare: number;
  /**
   * Rounds of the one-location comparison: the hot sales of phases 3 and 3b on a database as it is and on one
   * migrated only up to stock locations, in turn; 0 skips it.
   */
  oneLocationRounds: number;
  /** Sales of each kind in the split-cart case (a shop with five locations, and the same carts at one); 0 skips it. */
  splitRounds: number;
  /** Units of each split-cart variant at the locations that are not its warehouses. */
  splitFewUnits: number;
  /**
   * Rounds of the stock events comparison (phase 3e): the hot sale of phase 3 on a database without the stock events
   * outbox and on ones with it (with a subscriber attached when delivery exists), in turn; 0 skips it.
   */
  stockEventsRounds: number;
  /** Phase 3e runs the named buyers' sale of phase 3b too. */
  stockEventsNamed: boolean;
  /** Pause between delivery passes (deliverStockEvents) while phase 3e's subscribed sales run, ms. */
  stockEventsIntervalMs: number;
  /** Events per delivery POST in phase 3e (deliverStockEvents' batchSize); undefined: the library's default. */
  stockEventsBatchSize: number | undefined;
  /** Where phase 3e's delivery passes run: in the bench's process (as after() runs them) or in one of their own. */
  stockEventsDelivery: "same" | "process";
  baselineUnits: number;
  webhookEvents: number;
  webhookConcurrency: number;
  /** Share of webhook events that are `checkout.session.expired` (the rest are `completed`). */
  webhookExpiredShare: number;
  reaperHolds: number;
  reaperBatchSize: number;
  /**
   * Process counts of the multi-instance phase (the same buyers spread over that many OS processes); empty skips it.
   */
  multiProcesses: number[];
  /** Units of the multi-instance phase's hot variant, per layout. */
  multiUnits: number;
  /** Connections all instances of one layout may open together (each process gets its share, at most its buyers). */
  multiConnections: number;
  /** Connect the multi-instance phase's processes here instead (e.g. a PgBouncer in front of the bench database). */
  multiUrl: string | undefined;
  /** Run the multi-instance phase a second time through a PgBouncer in transaction mode (Debian's binary). */
  multiPgBouncer: boolean;
  /** Run the checkout phase (the shop and the CMS over HTTP at Stripe's limits); `--checkout-e2e 0` skips it. */
  checkoutE2e: boolean;
  /** Buyers of the checkout phase, all after the same variant. */
  checkoutBuyers: number;
  /** Units of that variant. */
  checkoutUnits: number;
  /** The buyers arrive evenly spread over this window (ms): one request in flight per buyer, no other bound. */
  checkoutArrivalMs: number;
  /** Keep-alive connections to the shop that the checkout buyers' requests share (as a proxy's pool in front of it). */
  checkoutConnections: number;
  /** Share of the buyers who reached a payment page that pay; the rest abandon it. */
  checkoutPayShare: number;
  /** A closed-loop phase that has not sold out after this long is stopped and reported as timed out. */
  phaseTimeoutSeconds: number;
  randomSeed: number;
  /** Use this server instead of an embedded one (a fresh database `acme_bench_<pid>` is created on it). */
  databaseUrl: string | undefined;
  /** Keep the `acme_bench_<pid>` database after the run (DATABASE_URL mode). */
  keepDatabase: boolean;
  out: string;
}

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** "1,8,32" → [1, 8, 32]; "" or "0" → [] (phase skipped). */
function processList(value: string): number[] {
  if (value === "" || value === "0") return [];
  return value.split(",").map((part) => {
    const count = Number(part.trim());
    if (!Number.isInteger(count) || count < 1 || count > 256)
      throw new Error(`Invalid value for multi-processes: ${value}`);
    return count;
  });
}

function deliveryMode(value: string): "same" | "process" {
  if (value !== "same" && value !== "process")
    throw new Error(`Invalid value for stock-events-delivery: ${value} (same or process)`);
  return value;
}

/** `--hot-units=100`, `--hot-units 100` → { "hot-units": "100" }. */
function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) continue;
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (inline !== undefined) args.set(name, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) args.set(name, argv[++i]!);
    else args.set(name, "1");
  }
  return args;
}

/**
 * Reads settings from `--kebab-name value` arguments, then `BENCH_SNAKE_NAME`
 * environment variables, then defaults. Sizes given explicitly are taken as
 * is; defaults are multiplied by the scale.
 */
export function readBenchConfig(argv = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const args = parseArgs(argv);
  const raw = (name: string): string | undefined => {
    const fromArgs = args.get(name);
    if (fromArgs !== undefined) return fromArgs;
    const value = env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const number = (name: string, fallback: number, check: (value: number) => boolean = (value) => value > 0): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || !check(parsed)) throw new Error(`Invalid value for ${name}: ${value}`);
    return parsed;
  };
  const scale = number("scale", 1, (value) => value > 0 && value <= 10);
  const scaled = (full: number, minimum: number) => Math.max(minimum, Math.round(full * scale));
  const integer = (value: number) => value >= 1 && Number.isInteger(value);
  const share = (value: number) => value >= 0 && value <= 1;
  const toggle = (name: string, fallback: boolean): boolean => {
    const value = raw(name);
    if (value === undefined) return fallback;
    if (value !== "0" && value !== "1") throw new Error(`Invalid value for ${name}: ${value} (0 or 1)`);
    return value === "1";
  };

  const hotUnits = number("hot-units", scaled(5_000, 20), integer);
  return {
    scale,
    poolSize: number("pool-size", 32, integer),
    batchMax: number("batch-max", 256, (value) => Number.isInteger(value) && value >= 0),
    shopId: raw("shop") ?? "flash",
    hotUnits,
    coldVariants: number("cold-variants", 1_000, integer),
    coldUnits: number("cold-units", 1_000, integer),
    validateRate: number("validate-rate", 2_000),
    validateSeconds: number("validate-seconds", Math.max(0.5, 5 * scale)),
    buyers: number("buyers", 256, integer),
    multiLineShare: number("multi-line-share", 0.1, share),
    oneLocationRounds: number("one-location-rounds", 7, (value) => Number.isInteger(value) && value >= 0),
    splitRounds: number("split-rounds", 2, (value) => Number.isInteger(value) && value >= 0),
    splitFewUnits: number("split-few-units", 3, (value) => Number.isInteger(value) && value >= 0),
    stockEventsRounds: number("stock-events-rounds", 7, (value) => Number.isInteger(value) && value >= 0),
    stockEventsNamed: toggle("stock-events-named", false),
    stockEventsIntervalMs: number("stock-events-interval-ms", 1000, (value) => value >= 0 && value <= 60_000),
    stockEventsBatchSize:
      raw("stock-events-batch-size") === undefined
        ? undefined
        : number("stock-events-batch-size", 100, (value) => integer(value) && value <= 1000),
    stockEventsDelivery: deliveryMode(raw("stock-events-delivery") ?? "same"),
    baselineUnits: number("baseline-units", hotUnits, integer),
    webhookEvents: number("webhook-events", scaled(2_000, 20), integer),
    webhookConcurrency: number("webhook-concurrency", 32, integer),
    webhookExpiredShare: number("webhook-expired-share", 0.1, share),
    reaperHolds: number("reaper-holds", scaled(100_000, 100), integer),
    reaperBatchSize: number("reaper-batch-size", 5_000, integer),
    multiProcesses: processList(raw("multi-processes") ?? "1,8,32"),
    multiUnits: number("multi-units", hotUnits, integer),
    multiConnections: number("multi-connections", 256, integer),
    multiUrl: raw("multi-url"),
    multiPgBouncer: raw("multi-pgbouncer") === "1",
    checkoutE2e: toggle("checkout-e2e", true),
    checkoutBuyers: number("checkout-buyers", scaled(2_000, 40), (value) => integer(value) && value <= 100_000),
    checkoutUnits: number("checkout-units", scaled(500, 10), integer),
    checkoutArrivalMs: number("checkout-arrival-ms", 1_000, (value) => value >= 0 && value <= 60_000),
    checkoutConnections: number("checkout-connections", 256, (value) => integer(value) && value <= 4_096),
    checkoutPayShare: number("checkout-pay-share", 0.9, share),
    phaseTimeoutSeconds: number("phase-timeout-seconds", 120),
    randomSeed: number("random-seed", 20261124, (value) => Number.isInteger(value)),
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    keepDatabase: raw("keep-db") === "1",
    out: path.resolve(raw("out") ?? path.join(REPO_ROOT, "bench/results/latest.json")),
  };
}
