import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  applyMigrations,
  createDatabase,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  createPrismaLocationStore,
  type Database,
} from "@acme/platform-core";
import { checkInvariants } from "./check-invariants.ts";
import { BUILD_COMMAND, ensureAppBuilds, type AppBuilds } from "./checkout-e2e/ensure-app-builds.ts";
import { runCheckoutE2ePhase, type CheckoutE2ePhaseResult } from "./checkout-e2e/run-checkout-e2e-phase.ts";
import { CAPS_COST_RUNS, HOT_SKU } from "./cold-sku.ts";
import type { ErrorCount } from "./create-error-tally.ts";
import { removeBaselineRows } from "./phases/remove-baseline-rows.ts";
import { runBaselineFloor } from "./phases/run-baseline-floor.ts";
import { runBaselineSeed } from "./phases/run-baseline-seed.ts";
import { runHotHoldPhase, type HotHoldPhaseResult } from "./phases/run-hot-hold-phase.ts";
import { runOneLocationComparison, type OneLocationComparison } from "./phases/run-one-location-comparison.ts";
import { runSplitCartPhase, type SplitCartPhaseResult } from "./phases/run-split-cart-phase.ts";
import {
  printStockEventsComparison,
  runStockEventsComparison,
  type StockEventsComparison,
} from "./phases/run-stock-events-comparison.ts";
import { runReaperPhase } from "./phases/run-reaper-phase.ts";
import { runValidatePhase } from "./phases/run-validate-phase.ts";
import { runValidateCapacity } from "./phases/run-validate-capacity.ts";
import { runMultiInstancePhase, type MultiInstanceLayout } from "./multi-instance/run-multi-instance-phase.ts";
import { runWebhookPhase } from "./phases/run-webhook-phase.ts";
import { seedShop } from "./phases/seed-shop.ts";
import { warmUp } from "./phases/warm-up.ts";
import { readBenchConfig } from "./read-bench-config.ts";
import { startPgBouncer } from "@acme/testkit";
import { readMachineInfo } from "./read-machine-info.ts";
import type { BenchResult } from "./report/bench-result.ts";
import { printBenchReport } from "./report/print-bench-report.ts";
import { startBenchDatabase, type BenchDatabase } from "./start-bench-database.ts";
import { round } from "./stats.ts";

/**
 * `pnpm bench`: the flash-sale benchmark. Exit 0 whatever the speed (targets
 * are reported, not asserted); exit 1 only when stock was oversold, the books
 * do not reconcile, phase 3e's subscriber missed stock events or got them out
 * of order, or the run itself failed.
 */
async function runBenchmark(): Promise<number> {
  const config = readBenchConfig();
  const startedAt = new Date();
  const clock = performance.now();
  const step = (message: string) => process.stderr.write(`${message}\n`);

  step(`flash-sale benchmark (scale ${config.scale}, pool ${config.poolSize}, ${config.buyers} buyers)`);
  step(
    config.databaseUrl
      ? "database: DATABASE_URL (fresh database beside it)"
      : "database: starting embedded PostgreSQL (default durability, fsync on)",
  );
  let server: BenchDatabase | undefined;
  let db: Database | undefined;
  // Servers a phase started (the checkout phase's apps and emulator), stopped first.
  const stops = new Set<() => Promise<void>>();
  const cleanup = async () => {
    await Promise.all([...stops].map((stop) => stop().catch(() => {})));
    await db?.close().catch(() => {});
    await server?.stop().catch(() => {});
  };
  // An interrupted run must not leave a PostgreSQL server (or a bench database) behind.
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  process.once("SIGTERM", () => void cleanup().finally(() => process.exit(143)));

  try {
    // Before anything else: a missing build is made (or the run stops) now, not after the other phases.
    let builds: AppBuilds | undefined;
    if (config.checkoutE2e) {
      builds = await ensureAppBuilds(step);
      for (const app of builds.apps) {
        step(
          `${app.name}: production build of ${app.builtAt.toISOString()}${builds.built ? " (built now)" : ""}${app.staleSource ? `, older than ${app.staleSource}` : ""}`,
        );
      }
    }
    server = await startBenchDatabase(config);
    const migrated = await applyMigrations({ databaseUrl: server.url });
    step(`migrations: ${migrated.applied.length} applied`);
    db = createDatabase({ url: server.url, poolSize: config.poolSize });
    const store = createPrismaInventoryStore(db);
    const holds = createPrismaHoldStore(
      db,
      config.batchMax === 0 ? { batching: false } : { batching: { maxBatch: config.batchMax } },
    );
    const machine = await readMachineInfo(db, config.poolSize);
    step(`machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}`);
    step(`postgres: ${machine.postgres}`);

    step("phase 1/8: seed");
    await seedShop(store, config);
    await warmUp(config, { db, store, holds });

    step(`phase 2/8: validate (open loop, ${config.validateRate}/s for ${config.validateSeconds}s)`);
    const validate = await runValidatePhase(config, { store, holds });
    const capacity = await runValidateCapacity(config, { store, holds, url: server.url });

    step(`phase 3/8: hold on the hot variant (${config.buyers} buyers, ${config.hotUnits} units)`);
    const hot = await runHotHoldPhase(config, { holds });
    const hotRow = await db.pool.query<{ quantity: number; reserved: number }>(
      `SELECT quantity, reserved FROM "InventoryItem" WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = ''`,
      [config.shopId, HOT_SKU],
    );
    // Right after the sale, before any payment: the row must hold exactly what buyers were told they got.
    const afterHot = { ...hotRow.rows[0]!, granted: hot.hotUnitsGranted, invariants: await checkInvariants(db, holds) };

    step(
      `phase 3b: the caps' cost, the sale ${CAPS_COST_RUNS.length} more times, unnamed and named buyers in turn (${config.hotUnits} units each)`,
    );
    const capsRuns: Array<(typeof CAPS_COST_RUNS)[number] & { result: HotHoldPhaseResult }> = [];
    for (const run of CAPS_COST_RUNS)
      capsRuns.push({
        ...run,
        result: await runHotHoldPhase(config, { holds }, { sku: run.sku, clients: run.clients }),
      });
    const rateOf = (named: boolean) => {
      const runs = capsRuns.filter((run) => run.clients === named);
      return (
        runs.reduce((sum, run) => sum + run.result.hotUnitsGranted, 0) /
        runs.reduce((sum, run) => sum + run.result.wallSeconds, 0)
      );
    };
    const capsPlainPerS = rateOf(false);
    const capsNamedPerS = rateOf(true);
    const hotCaps = capsRuns.find((run) => run.clients)!.result;

    let oneLocation: OneLocationComparison | undefined;
    if (config.oneLocationRounds > 0) {
      step(
        `phase 3c: one location, before and after stock locations (${config.oneLocationRounds} rounds of phases 3 and 3b on two fresh databases, in turn)`,
      );
      oneLocation = await runOneLocationComparison(config, { server, step });
    }
    let split: SplitCartPhaseResult | undefined;
    if (config.splitRounds > 0) {
      step(
        `phase 3d: split carts, five locations and one (${config.buyers} buyers, carts of 2-3 lines of 3 variants, ${config.hotUnits} units each)`,
      );
      split = await runSplitCartPhase(config, { db, store, holds });
    }
    let stockEvents: StockEventsComparison | undefined;
    if (config.stockEventsRounds > 0) {
      step(
        `phase 3e: stock events attached (${config.stockEventsRounds} rounds of phase 3${config.stockEventsNamed ? " and 3b" : ""} on fresh databases: no outbox, outbox, outbox with a subscriber; in turn)`,
      );
      stockEvents = await runStockEventsComparison(config, { server, step });
    }

    step(`phase 4/8: baselines (${config.buyers} buyers, ${config.baselineUnits} units each)`);
    const seed = await runBaselineSeed(config, { db });
    const floor = await runBaselineFloor(config, { url: server.url });
    const baselineRows = await removeBaselineRows(db, config.shopId);

    step(`phase 5/8: webhooks (${config.webhookConcurrency} senders)`);
    const webhook = await runWebhookPhase(config, { db, holds, granted: hot.holds });

    step(`phase 6/8: reaper (${config.reaperHolds} expired holds)`);
    const reaper = await runReaperPhase(config, { db, holds });

    step(
      `phase 7/8: multi-instance (${config.buyers} buyers over ${config.multiProcesses.join(", ")} processes, ${config.multiUnits} units each)`,
    );
    const multi = await runMultiInstancePhase(config, { db, url: config.multiUrl ?? server.url });
    let multiPgBouncer: MultiInstanceLayout[] | undefined;
    if (config.multiPgBouncer) {
      step("phase 7b: multi-instance again, through PgBouncer (transaction mode, 64 server connections)");
      const bouncer = await startPgBouncer({ upstreamUrl: server.url, poolSize: 64 });
      try {
        multiPgBouncer = await runMultiInstancePhase(config, { db, url: bouncer.url, label: "pgbouncer" });
      } finally {
        await bouncer.stop();
      }
    }

    let checkout: CheckoutE2ePhaseResult | undefined;
    let checkoutError: string | undefined;
    if (config.checkoutE2e) {
      step(
        `phase 8/8: checkout over HTTP at Stripe's limits (${config.checkoutBuyers} buyers, ${config.checkoutUnits} units; shop, CMS, Stripe emulator)`,
      );
      try {
        checkout = await runCheckoutE2ePhase(config, { server, onStop: (stop) => stops.add(stop) });
      } catch (error) {
        // The other phases' figures are still written; the run exits 1.
        checkoutError = error instanceof Error ? (error.stack ?? error.message) : String(error);
        step(`  checkout phase failed: ${checkoutError}`);
      }
    } else {
      step("phase 8/8: checkout over HTTP skipped (--checkout-e2e 0)");
    }

    const final = await checkInvariants(db, holds);
    // Every location's books in the bench database (each shop of the phases above has at least its main one).
    const finalLocations = await createPrismaLocationStore(db).reconcile();
    const hotFinal = await db.pool.query<{ quantity: number; reserved: number }>(
      `SELECT quantity, reserved FROM "InventoryItem" WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = ''`,
      [config.shopId, HOT_SKU],
    );

    const oversold =
      Math.max(0, hot.hotUnitsGranted - config.hotUnits) +
      capsRuns.reduce((sum, run) => sum + Math.max(0, run.result.hotUnitsGranted - config.hotUnits), 0) +
      final.oversoldUnits +
      afterHot.invariants.oversoldUnits +
      (oneLocation?.oversold ?? 0) +
      (split?.oversold ?? 0) +
      (stockEvents?.oversold ?? 0) +
      [...multi, ...(multiPgBouncer ?? [])].reduce((sum, layout) => sum + layout.oversold, 0) +
      (checkout?.summary.oversold ?? 0);
    const reconcileOk =
      final.reconcileOk &&
      afterHot.invariants.reconcileOk &&
      finalLocations.drift.length === 0 &&
      (oneLocation?.reconcile_ok ?? true) &&
      (split ? split.reconcile_ok && split.books_ok : true) &&
      (stockEvents?.reconcile_ok ?? true) &&
      (checkout?.summary.reconcile_ok ?? true);
    const hotRowMatches = afterHot.quantity === config.hotUnits && afterHot.reserved === hot.hotUnitsGranted;
    const reaper100k = reaper.seconds * (100_000 / reaper.holds);
    const result: BenchResult = {
      machine,
      validate: validate.summary,
      hold: hot.summary,
      webhook: webhook.summary,
      hot_units_per_s: round(hot.hotUnitsPerS, 1),
      hold_caps: hotCaps.summary,
      caps_plain_units_per_s: round(capsPlainPerS, 1),
      hot_caps_units_per_s: round(capsNamedPerS, 1),
      ...(oneLocation ? { one_location: oneLocationSummary(oneLocation) } : {}),
      ...(split ? { split_carts: splitSummary(split) } : {}),
      baseline_seed_units_per_s: round(seed.unitsPerS, 1),
      baseline_floor_units_per_s: round(floor.unitsPerS, 1),
      reaper_100k_s: round(reaper100k, 3),
      multi_instance: multi,
      ...(multiPgBouncer ? { multi_instance_pgbouncer: multiPgBouncer } : {}),
      validate_capacity_per_s: capacity.capacityPerS,
      validate_floor_per_s: capacity.floorPerS,
      ...(checkout ? { checkout_e2e: checkout.summary } : {}),
      oversold,
      reconcile_ok: reconcileOk,
      targets: {
        validate_p95_lt_5ms_at_offered_rate:
          validate.summary.p95_ms < 5 && validate.summary.per_s >= 0.95 * config.validateRate,
        hold_p95_lt_20ms: hot.summary.p95_ms < 20,
        webhook_p95_lt_25ms: webhook.summary.p95_ms < 25 && webhook.statuses["200"] === webhook.events,
        hot_ge_2x_floor: hot.hotUnitsPerS >= 2 * floor.unitsPerS,
        hot_ge_10x_seed: hot.hotUnitsPerS >= 10 * seed.unitsPerS,
        caps_cost_le_10pct:
          capsNamedPerS >= 0.9 * capsPlainPerS && capsRuns.every((run) => run.result.errors.length === 0),
        ...(oneLocation
          ? {
              one_location_within_10pct:
                oneLocation.within_10pct && oneLocation.sales.every((sale) => sale.errors.length === 0),
            }
          : {}),
        reaper_100k_lt_10s: reaper100k < 10 && reaper.leftActive === 0,
        ...multiTargets(multi),
        validate_capacity_ge_half_floor: capacity.capacityPerS >= 0.5 * capacity.floorPerS,
        ...checkout?.targets,
      },
      startedAt: startedAt.toISOString(),
      durationS: round((performance.now() - clock) / 1000, 1),
      scale: config.scale,
      database: server.source,
      details: {
        config: { ...config, databaseUrl: config.databaseUrl === undefined ? undefined : "(set)" },
        validate_capacity: { concurrency: capacity.concurrency, seconds: capacity.seconds, errors: capacity.errors },
        multi_instance_url: config.multiUrl === undefined ? "bench database" : "(BENCH_MULTI_URL)",
        validate: {
          offered_per_s: validate.offeredPerS,
          requests: validate.requests,
          insufficient: validate.insufficient,
          errors: validate.errors,
        },
        hold: {
          granted_only: hot.grantedSummary,
          requests: hot.requests,
          granted: hot.granted,
          hot_units_granted: hot.hotUnitsGranted,
          sold_out_refusals: hot.soldOutRefusals,
          cold_refusals: hot.coldRefusals,
          wall_s: round(hot.wallSeconds, 3),
          timed_out: hot.timedOut,
          aborted_on_errors: hot.abortedOnErrors,
          errors: hot.errors,
          batch_stats: hot.batchStats,
          hot_row_after_sale: {
            quantity: afterHot.quantity,
            reserved: afterHot.reserved,
            matches_granted: hotRowMatches,
          },
          reconcile_after_sale: afterHot.invariants,
        },
        one_location: oneLocation
          ? {
              sales: oneLocation.sales,
              after_online_locations: oneLocation.after_online_locations,
              drift: oneLocation.drift,
            }
          : { skipped: "--one-location-rounds 0" },
        split_carts: split ? { sales: split.sales } : { skipped: "--split-rounds 0" },
        stock_events: stockEvents ?? { skipped: "--stock-events-rounds 0" },
        caps_cost_runs: capsRuns.map((run) => ({
          sku: run.sku,
          named: run.clients,
          units_per_s: round(run.result.hotUnitsPerS, 1),
          p95_ms: run.result.summary.p95_ms,
          requests: run.result.requests,
          hot_units_granted: run.result.hotUnitsGranted,
          errors: run.result.errors,
        })),
        baseline_seed: {
          ...seed,
          wallSeconds: round(seed.wallSeconds, 3),
          unitsPerS: round(seed.unitsPerS, 1),
          holdRowsLeft: baselineRows.seedHolds,
        },
        baseline_floor: {
          ...floor,
          wallSeconds: round(floor.wallSeconds, 3),
          unitsPerS: round(floor.unitsPerS, 1),
          holdRowsLeft: baselineRows.floorHolds,
          reservedLeft: baselineRows.floorReserved,
        },
        webhook: {
          events: webhook.events,
          completed: webhook.completed,
          expired: webhook.expired,
          statuses: webhook.statuses,
          outcomes: webhook.outcomes,
          unexpected_outcomes: webhook.unexpected,
          errors: webhook.errors,
        },
        reaper: {
          ...reaper,
          seconds: round(reaper.seconds, 3),
          insertSeconds: round(reaper.insertSeconds, 2),
          extrapolated: reaper.holds !== 100_000,
        },
        final: { ...final, hot_row: hotFinal.rows[0], locations: finalLocations },
        checkout_e2e: checkout
          ? { ...checkout.details, builds }
          : config.checkoutE2e
            ? { error: checkoutError, builds }
            : { skipped: "--checkout-e2e 0" },
      },
    };

    const out = config.out;
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    printBenchReport(result, {
      offeredRate: config.validateRate,
      buyers: config.buyers,
      reaperHolds: config.reaperHolds,
    });
    if (stockEvents) printStockEventsComparison(stockEvents);
    printProblems({
      validate: validate.errors,
      "hold (hot)": hot.errors,
      "hold (hot, caps)": capsRuns.flatMap((run) => run.result.errors),
      "one location": oneLocation?.sales.flatMap((sale) => sale.errors) ?? [],
      "split carts": split?.sales.flatMap((sale) => sale.errors) ?? [],
      "stock events": stockEvents?.sales.flatMap((sale) => sale.errors) ?? [],
      baseline_seed: seed.errors,
      baseline_floor: floor.errors,
      webhook: webhook.errors,
      "validate capacity": capacity.errors,
      ...Object.fromEntries(multi.map((layout) => [`multi-instance ${layout.processes}`, layout.errors])),
      checkout: checkout?.errors ?? [],
    });
    const notes: string[] = [];
    if (hot.timedOut || seed.timedOut || floor.timedOut) notes.push("a closed-loop phase timed out before selling out");
    if (hot.abortedOnErrors) notes.push("the hot phase stopped after too many unexpected errors");
    if (hot.coldRefusals > 0) notes.push(`${hot.coldRefusals} hot-phase refusals named only cold variants`);
    if (!hotRowMatches)
      notes.push(
        `hot row after the sale: quantity ${afterHot.quantity}, reserved ${afterHot.reserved}, granted ${hot.hotUnitsGranted}`,
      );
    if (seed.unitsGranted !== config.baselineUnits || floor.unitsGranted !== config.baselineUnits) {
      notes.push(
        `baselines granted ${seed.unitsGranted} (seed) and ${floor.unitsGranted} (floor) of ${config.baselineUnits} units`,
      );
    }
    if (webhook.statuses["200"] !== webhook.events) notes.push(`webhook statuses: ${JSON.stringify(webhook.statuses)}`);
    if (webhook.unexpected > 0) notes.push(`webhook outcomes: ${JSON.stringify(webhook.outcomes)}`);
    for (const layout of multi)
      if (layout.timed_out) notes.push(`the multi-instance layout of ${layout.processes} processes timed out`);
    if (reaper.leftActive !== 0 || reaper.shopErrors.length > 0)
      notes.push(`reaper left ${reaper.leftActive} expired holds active; errors ${JSON.stringify(reaper.shopErrors)}`);
    for (const app of builds?.apps ?? []) {
      if (app.staleSource)
        notes.push(
          `checkout: the build of ${app.name} (${app.builtAt.toISOString()}) is older than ${app.staleSource}; rebuild to measure the code as it is: ${BUILD_COMMAND}`,
        );
    }
    if (checkoutError) notes.push(`the checkout phase failed: ${checkoutError.split("\n")[0]}`);
    notes.push(...(checkout?.notes ?? []));
    // A checkout phase that granted nothing measured nothing (the apps refused every buyer): the run failed.
    if (checkout && checkout.summary.granted === 0)
      notes.push("the checkout phase granted no buyer anything: its figures measure nothing");
    for (const sale of oneLocation?.sales ?? [])
      if (sale.timed_out) notes.push(`one location: round ${sale.round} (${sale.side}) timed out`);
    if (oneLocation && oneLocation.after_online_locations.some((count) => count !== 1))
      notes.push(
        `one location: shops of the after database with ${JSON.stringify(oneLocation.after_online_locations)} online locations`,
      );
    for (const sale of split?.sales ?? []) {
      if (sale.timed_out) notes.push(`split carts: ${sale.shop} timed out`);
      if (!sale.books_ok)
        notes.push(
          `split carts: ${sale.shop} books wrong: ${sale.sold_units} units sold, ${sale.units_left_levels} left the levels`,
        );
    }
    for (const sale of stockEvents?.sales ?? [])
      if (sale.timed_out) notes.push(`stock events: round ${sale.round} (${sale.side}) timed out`);
    for (const failure of stockEvents?.failures ?? []) notes.push(`stock events: ${failure}`);
    if (finalLocations.drift.length > 0)
      notes.push(`location reconcile drift: ${JSON.stringify(finalLocations.drift.slice(0, 10))}`);
    if (!reconcileOk)
      notes.push(`reconcile drift: ${JSON.stringify(final.drift.length ? final.drift : afterHot.invariants.drift)}`);
    for (const note of notes) console.log(`! ${note}`);
    console.log(`results: ${out}`);

    const checkoutFailed =
      config.checkoutE2e && (checkout === undefined || !checkout.summary.books_ok || checkout.summary.granted === 0);
    const stockEventsFailed = (stockEvents?.failures.length ?? 0) > 0;
    return oversold > 0 || !reconcileOk || final.badRows !== 0 || !hotRowMatches || checkoutFailed || stockEventsFailed
      ? 1
      : 0;
  } finally {
    await cleanup();
  }
}

function oneLocationSummary(comparison: OneLocationComparison): NonNullable<BenchResult["one_location"]> {
  return {
    rounds: comparison.rounds,
    seconds: comparison.seconds,
    before_migration: comparison.before_migration,
    within_10pct: comparison.within_10pct,
    unnamed: comparison.unnamed,
    named: comparison.named,
    ...(comparison.batch ? { batch: comparison.batch } : {}),
  };
}

function splitSummary(split: SplitCartPhaseResult): NonNullable<BenchResult["split_carts"]> {
  return {
    seconds: split.seconds,
    five: split.five,
    one: split.one,
    units_per_s_ratio: split.units_per_s_ratio,
    p95_ratio: split.p95_ratio,
    oversold: split.oversold,
    books_ok: split.books_ok,
    reconcile_ok: split.reconcile_ok,
  };
}

/** The issue's multi-instance targets, comparing the layout with the most processes against one process. */
function multiTargets(
  multi: MultiInstanceLayout[],
): Pick<BenchResult["targets"], "multi_instance_scales" | "multi_instance_p95"> {
  const one = multi.find((layout) => layout.processes === 1);
  const most = multi.reduce<MultiInstanceLayout | undefined>(
    (best, layout) => (best && best.processes >= layout.processes ? best : layout),
    undefined,
  );
  if (!one || !most || most === one) return { multi_instance_scales: false, multi_instance_p95: false };
  return {
    multi_instance_scales: most.units_per_s >= 0.8 * one.units_per_s && most.units_per_s >= 5 * most.floor_units_per_s,
    multi_instance_p95: most.p95_ms < 50 && one.p95_ms < 20,
  };
}

function printProblems(byPhase: Record<string, ErrorCount[]>): void {
  for (const [phase, errors] of Object.entries(byPhase)) {
    for (const error of errors) console.log(`! ${phase}: ${error.count} x ${error.kind}: ${error.sample}`);
  }
}

runBenchmark().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
