import { validateInventoryAvailability, type HoldStore, type InventoryStore } from "@acme/platform-core";
import { HOT_SKU, coldSku } from "../cold-sku.ts";
import { createErrorTally, type ErrorCount } from "../create-error-tally.ts";
import { createProgress } from "../create-progress.ts";
import { createRandom } from "../create-random.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { summarise, type LatencySummary } from "../stats.ts";

export interface ValidatePhaseResult {
  summary: LatencySummary;
  offeredPerS: number;
  requests: number;
  insufficient: number;
  errors: ErrorCount[];
}

/**
 * Open loop: requests are scheduled at a fixed offered rate whatever the
 * system does, and each latency is measured from its scheduled start. A slow
 * answer therefore also delays (and charges) the requests queued behind it,
 * instead of silently lowering the load (coordinated omission).
 */
export async function runValidatePhase(
  config: BenchConfig,
  deps: { store: InventoryStore; holds: HoldStore },
): Promise<ValidatePhaseResult> {
  const random = createRandom(config.randomSeed);
  const total = Math.max(1, Math.round(config.validateRate * config.validateSeconds));
  const carts = Array.from({ length: total }, () =>
    Array.from({ length: random.int(1, 3) }, () => ({
      // One line in five is the hot variant: shoppers look at what everyone looks at.
      sku: random.chance(0.2) ? HOT_SKU : coldSku(random.int(0, config.coldVariants - 1)),
      quantity: random.int(1, 2),
    })),
  );
  const latencies = new Float64Array(total);
  const errors = createErrorTally();
  const progress = createProgress("validate", total);
  let insufficient = 0;
  let launched = 0;
  let completed = 0;
  let lastCompletion = 0;
  const intervalMs = 1000 / config.validateRate;
  const started = performance.now();

  await new Promise<void>((resolve) => {
    const fire = (index: number) => {
      const scheduled = started + index * intervalMs;
      validateInventoryAvailability(config.shopId, carts[index]!, deps)
        .then((result) => {
          if (!result.ok) insufficient += 1;
        })
        .catch((error: unknown) => errors.add(error))
        .finally(() => {
          lastCompletion = performance.now();
          latencies[index] = lastCompletion - scheduled;
          completed += 1;
          progress.update(completed, `(${insufficient} short, ${errors.total()} errors)`);
          if (completed === total) resolve();
        });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - started) / intervalMs) + 1);
      while (launched < due) fire(launched++);
      if (launched < total) setTimeout(tick, 1);
    };
    tick();
  });

  const seconds = (lastCompletion - started) / 1000;
  progress.finish(`${total} validations in ${seconds.toFixed(2)}s`);
  return {
    summary: summarise(latencies, total - errors.total(), seconds),
    offeredPerS: config.validateRate,
    requests: total,
    insufficient,
    errors: errors.list(),
  };
}
