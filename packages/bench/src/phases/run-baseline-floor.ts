import { randomUUID } from "node:crypto";
import pg from "pg";
import { BASELINE_FLOOR_SKU } from "../cold-sku.ts";
import { createErrorTally } from "../create-error-tally.ts";
import { createProgress } from "../create-progress.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { runClosedLoop } from "../run-closed-loop.ts";
import type { BaselineResult } from "./run-baseline-seed.ts";
import { takeFloorHold } from "../floor-hold.ts";

/**
 * The per-transaction floor: raw `pg`, no ORM, one transaction per hold with
 * a conditional UPDATE and one INSERT. Nothing one-hold-per-transaction can do
 * is much cheaper on one hot row, so beating it takes more than one hold per
 * transaction.
 */
export async function runBaselineFloor(config: BenchConfig, deps: { url: string }): Promise<BaselineResult> {
  const pool = new pg.Pool({ connectionString: deps.url, max: config.poolSize, connectionTimeoutMillis: 60_000 });
  pool.on("error", () => {});
  const shop = config.shopId;
  const sku = BASELINE_FLOOR_SKU;
  const errors = createErrorTally();
  const progress = createProgress("baseline_floor", config.baselineUnits);
  let granted = 0;

  // Open every connection first, so the timed loop does not pay for connecting.
  const warm = await Promise.all(Array.from({ length: config.poolSize }, () => pool.connect()));
  for (const client of warm) client.release();

  try {
    const loop = await runClosedLoop({
      concurrency: config.buyers,
      timeoutSeconds: config.phaseTimeoutSeconds,
      shouldStop: () => errors.total() >= 1_000,
      attempt: async () => {
        let client: pg.PoolClient | undefined;
        try {
          client = await pool.connect();
          if (!(await takeFloorHold(client, { shopId: shop, sku, holdId: `bfloor_${randomUUID()}`, units: 1 })))
            return false;
          granted += 1;
          progress.update(granted, errors.total() > 0 ? `(${errors.total()} errors)` : undefined);
          return true;
        } catch (error) {
          errors.add(error);
          return true;
        } finally {
          client?.release();
        }
      },
    });
    progress.finish(
      `${granted} units, ${(granted / loop.wallSeconds).toFixed(1)} units/s${errors.total() ? `, ${errors.total()} ERRORS` : ""}`,
    );
    return {
      unitsPerS: loop.wallSeconds > 0 ? granted / loop.wallSeconds : 0,
      unitsGranted: granted,
      wallSeconds: loop.wallSeconds,
      timedOut: loop.timedOut,
      errors: errors.list(),
    };
  } finally {
    await pool.end();
  }
}
