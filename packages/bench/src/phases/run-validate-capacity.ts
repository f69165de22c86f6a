import { validateInventoryAvailability, type HoldStore, type InventoryStore } from "@acme/platform-core";
import pg from "pg";
import { HOT_SKU, coldSku } from "../cold-sku.ts";
import { createErrorTally, type ErrorCount } from "../create-error-tally.ts";
import { createRandom } from "../create-random.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { round } from "../stats.ts";

export interface ValidateCapacityResult {
  /** Validations per second the library answers at saturation (closed loop). */
  capacityPerS: number;
  /**
   * The same lookup through raw `pg` (one statement per cart, no parsing, no ORM), same concurrency, same pool size.
   */
  floorPerS: number;
  concurrency: number;
  seconds: number;
  errors: ErrorCount[];
}

type Cart = Array<{ sku: string; quantity: number }>;

/**
 * How many validations per second the machine can answer, beside the floor:
 * the same carts read by raw `pg` with the query the store runs for a cart
 * (its rows by sku and variant key), at the same concurrency. The open-loop
 * phase measures latency at an offered rate; this one measures the ceiling.
 */
export async function runValidateCapacity(
  config: BenchConfig,
  deps: { store: InventoryStore; holds: HoldStore; url: string },
): Promise<ValidateCapacityResult> {
  const random = createRandom(config.randomSeed + 7);
  const carts: Cart[] = Array.from({ length: 4096 }, () =>
    Array.from({ length: random.int(1, 3) }, () => ({
      sku: random.chance(0.2) ? HOT_SKU : coldSku(random.int(0, config.coldVariants - 1)),
      quantity: random.int(1, 2),
    })),
  );
  const concurrency = config.poolSize * 2;
  const seconds = Math.max(1, config.validateSeconds);
  const errors = createErrorTally();

  const library = await closedLoopFor(seconds, concurrency, async (n) => {
    await validateInventoryAvailability(config.shopId, carts[n % carts.length]!, deps).catch((error: unknown) =>
      errors.add(error),
    );
  });

  const pool = new pg.Pool({ connectionString: deps.url, max: config.poolSize });
  pool.on("error", () => {});
  try {
    await Promise.all(Array.from({ length: config.poolSize }, () => pool.query("SELECT 1")));
    const floor = await closedLoopFor(seconds, concurrency, async (n) => {
      const cart = carts[n % carts.length]!;
      await pool
        .query(
          `SELECT sku, "variantKey", quantity - reserved AS available FROM "InventoryItem"
           WHERE "shopId" = $1 AND (sku, "variantKey") IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
          [config.shopId, cart.map((line) => line.sku), cart.map(() => "")],
        )
        .catch((error: unknown) => errors.add(error));
    });
    process.stderr.write(`  validate capacity: library ${round(library, 0)}/s, raw pg floor ${round(floor, 0)}/s\n`);
    return { capacityPerS: round(library, 1), floorPerS: round(floor, 1), concurrency, seconds, errors: errors.list() };
  } finally {
    await pool.end();
  }
}

/** Runs `attempt` from `concurrency` loops for `seconds`; returns completions per second. */
async function closedLoopFor(
  seconds: number,
  concurrency: number,
  attempt: (n: number) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await attempt(next++);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}
