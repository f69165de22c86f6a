import { randomUUID } from "node:crypto";
import type { Database } from "@acme/platform-core";
import { BASELINE_SEED_SKU } from "../cold-sku.ts";
import { createErrorTally, type ErrorCount } from "../create-error-tally.ts";
import { createProgress } from "../create-progress.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { runClosedLoop } from "../run-closed-loop.ts";

export interface BaselineResult {
  unitsPerS: number;
  unitsGranted: number;
  wallSeconds: number;
  timedOut: boolean;
  errors: ErrorCount[];
}

/**
 * The seed plan's approach, through Prisma: an interactive transaction that
 * locks the item, sums the active holds' lines on it, and inserts a hold and
 * its line when enough is left. Six round trips with the row lock held, and
 * the SUM reads every active hold on the variant, so it slows as holds pile
 * up: that is what this baseline is for.
 */
export async function runBaselineSeed(config: BenchConfig, deps: { db: Database }): Promise<BaselineResult> {
  const { prisma } = deps.db;
  const shop = config.shopId;
  const sku = BASELINE_SEED_SKU;
  const errors = createErrorTally();
  const progress = createProgress("baseline_seed", config.baselineUnits);
  let granted = 0;

  const loop = await runClosedLoop({
    concurrency: config.buyers,
    timeoutSeconds: config.phaseTimeoutSeconds,
    shouldStop: () => errors.total() >= 1_000,
    attempt: async () => {
      try {
        const ok = await prisma.$transaction(
          async (tx) => {
            const items = await tx.$queryRaw<Array<{ quantity: number }>>`
              SELECT quantity FROM "InventoryItem" WHERE "shopId" = ${shop} AND sku = ${sku} AND "variantKey" = '' FOR UPDATE`;
            const held = await tx.$queryRaw<Array<{ held: number }>>`
              SELECT COALESCE(SUM(hi.quantity), 0)::int AS held
              FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
              WHERE h.status = 'active' AND hi."shopId" = ${shop} AND hi.sku = ${sku} AND hi."variantKey" = ''`;
            if ((items[0]?.quantity ?? 0) - (held[0]?.held ?? 0) < 1) return false;
            const holdId = `bseed_${randomUUID()}`;
            const now = new Date();
            const expiresAt = new Date(now.getTime() + 600_000);
            await tx.$executeRaw`
              INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt")
              VALUES (${holdId}, ${shop}, 'active', ${expiresAt}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)`;
            await tx.$executeRaw`
              INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
              VALUES (${`bseedi_${randomUUID()}`}, ${holdId}, ${shop}, ${sku}, 'baseline-seed', '', '{}'::jsonb, 1)`;
            return true;
          },
          // Prisma's defaults (2 s to get a connection, 5 s per transaction) would turn
          // the queue of 256 buyers into errors; the baseline measures throughput, not timeouts.
          { maxWait: 60_000, timeout: 60_000 },
        );
        if (!ok) return false;
        granted += 1;
        progress.update(granted, errors.total() > 0 ? `(${errors.total()} errors)` : undefined);
        return true;
      } catch (error) {
        errors.add(error);
        return true;
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
}
