import type { CheckoutE2eSummary, CheckoutE2eTargets } from "../checkout-e2e/run-checkout-e2e-phase.ts";
import type { MachineInfo } from "../read-machine-info.ts";
import type { MultiInstanceLayout } from "../multi-instance/run-multi-instance-phase.ts";
import type { HoldBatchCost } from "../phases/measure-hold-batch.ts";
import type { OneLocationKind } from "../phases/run-one-location-comparison.ts";
import type { SplitCartPhaseResult } from "../phases/run-split-cart-phase.ts";
import type { LatencySummary } from "../stats.ts";

/** Which of the targets this run met. Reported, never asserted. The checkout phase's are there when it ran. */
export interface BenchTargets extends Partial<CheckoutE2eTargets> {
  validate_p95_lt_5ms_at_offered_rate: boolean;
  hold_p95_lt_20ms: boolean;
  webhook_p95_lt_25ms: boolean;
  hot_ge_2x_floor: boolean;
  hot_ge_10x_seed: boolean;
  /**
   * The sales with every buyer named (caps checked) keep at least 90% of the unnamed sales' throughput (same run, in
   * turn).
   */
  caps_cost_le_10pct: boolean;
  /**
   * A shop with one location keeps its speed: the hot sales' units/s at least 90% and p95 at most 110% of the same
   * sales on a database from before stock locations (medians of rounds in turn, same run). Absent when skipped.
   */
  one_location_within_10pct?: boolean;
  reaper_100k_lt_10s: boolean;
  /** The most processes' units/s at least 80% of one process's, and at least 5x that layout's floor. */
  multi_instance_scales: boolean;
  /** Hold p95 under 50 ms at the most processes, under 20 ms at one. */
  multi_instance_p95: boolean;
  validate_capacity_ge_half_floor: boolean;
}

/** `bench/results/latest.json`: the shape, plus run metadata and per-phase details. */
export interface BenchResult {
  machine: MachineInfo;
  validate: LatencySummary;
  hold: LatencySummary;
  webhook: LatencySummary;
  hot_units_per_s: number;
  /** The first named sale of the caps' cost runs (every request naming its client: address and buyer hashes). */
  hold_caps: LatencySummary;
  /** The caps' cost runs: units/s of the unnamed and of the named sales, over both of each. */
  caps_plain_units_per_s: number;
  hot_caps_units_per_s: number;
  /** Phases 3 and 3b by rounds on a database as it is ("after") and one from before stock locations ("before"). */
  one_location?: {
    rounds: number;
    seconds: number;
    before_migration: string;
    within_10pct: boolean;
    unnamed: OneLocationKind;
    named: OneLocationKind;
    /** inventory_create_holds_batch alone, 256 requests of the hot sale's mix, on each database in turn. */
    batch?: HoldBatchCost;
  };
  /** A shop with five online locations and carts that split, against the same carts at one location. */
  split_carts?: Omit<SplitCartPhaseResult, "sales">;
  baseline_seed_units_per_s: number;
  baseline_floor_units_per_s: number;
  reaper_100k_s: number;
  /** The hot-variant sale with the buyers spread over 1, 8 and 32 OS processes (each its own pool). */
  multi_instance: MultiInstanceLayout[];
  /** The same phase through PgBouncer in transaction mode, when asked for (`--multi-pgbouncer`). */
  multi_instance_pgbouncer?: MultiInstanceLayout[];
  validate_capacity_per_s: number;
  validate_floor_per_s: number;
  /**
   * The flash sale over HTTP at Stripe's limits (shop, CMS, emulator); absent when skipped (`--checkout-e2e 0`) or
   * failed.
   */
  checkout_e2e?: CheckoutE2eSummary;
  /** Every phase's oversold units, the checkout phase's included. */
  oversold: number;
  reconcile_ok: boolean;
  targets: BenchTargets;
  startedAt: string;
  durationS: number;
  /** 1 for the real benchmark; anything else is a scaled-down run whose figures are not comparable. */
  scale: number;
  database: "embedded" | "DATABASE_URL";
  details: Record<string, unknown>;
}
