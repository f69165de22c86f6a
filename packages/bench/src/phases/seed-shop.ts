import type { InventoryStore } from "@acme/platform-core";
import { BASELINE_FLOOR_SKU, BASELINE_SEED_SKU, CAPS_COST_RUNS, HOT_SKU, coldSku } from "../cold-sku.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { createProgress } from "../create-progress.ts";

/**
 * The flash-sale shop: one hot variant, many cold ones, and one fresh hot
 * variant per baseline, all through the store's own bulk upsert (so each has
 * its import ledger entry like real stock).
 */
export async function seedShop(store: InventoryStore, config: BenchConfig): Promise<void> {
  const progress = createProgress("seed", config.coldVariants + 3 + CAPS_COST_RUNS.length);
  const change = { reason: "import" as const, actor: "bench" };
  await store.upsertItems(
    config.shopId,
    [
      { sku: HOT_SKU, productId: "hot", quantity: config.hotUnits },
      ...CAPS_COST_RUNS.map((run) => ({ sku: run.sku, productId: "hot", quantity: config.hotUnits })),
      { sku: BASELINE_SEED_SKU, productId: "baseline-seed", quantity: config.baselineUnits },
      { sku: BASELINE_FLOOR_SKU, productId: "baseline-floor", quantity: config.baselineUnits },
    ],
    change,
  );
  // In chunks so the progress line moves; each chunk is one set-based upsert.
  const chunk = 250;
  for (let start = 0; start < config.coldVariants; start += chunk) {
    const items = [];
    for (let i = start; i < Math.min(config.coldVariants, start + chunk); i++) {
      items.push({ sku: coldSku(i), productId: `cold-${i}`, quantity: config.coldUnits });
    }
    await store.upsertItems(config.shopId, items, change);
    progress.update(3 + CAPS_COST_RUNS.length + start + items.length);
  }
  progress.finish(
    `${1 + CAPS_COST_RUNS.length} hot variants (${config.hotUnits} units each), ${config.coldVariants} cold variants (${config.coldUnits} units each), 2 baseline variants`,
  );
}
