import type { MachineInfo } from "../read-machine-info.ts";
import type { LatencySummary } from "../stats.ts";

/** Which of the targets this run met. Reported, never asserted. */
export interface BenchTargets {
  validate_p95_lt_5ms_at_offered_rate: boolean;
  hold_p95_lt_20ms: boolean;
  webhook_p95_lt_25ms: boolean;
  hot_ge_2x_floor: boolean;
  hot_ge_10x_seed: boolean;
  reaper_100k_lt_10s: boolean;
}

/** `bench/results/latest.json`: the shape, plus run metadata and per-phase details. */
export interface BenchResult {
  machine: MachineInfo;
  validate: LatencySummary;
  hold: LatencySummary;
  webhook: LatencySummary;
  hot_units_per_s: number;
  baseline_seed_units_per_s: number;
  baseline_floor_units_per_s: number;
  reaper_100k_s: number;
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
