import type { CheckoutE2eSummary } from "../checkout-e2e/run-checkout-e2e-phase.ts";
import type { OneLocationSale, SaleFigures } from "../phases/run-one-location-comparison.ts";
import type { SplitCartPhaseResult, SplitSale } from "../phases/run-split-cart-phase.ts";
import type { BenchResult, BenchTargets } from "./bench-result.ts";

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ");
  return [line(headers), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "-");
const rate = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "-");
const met = (value: boolean) => (value ? "yes" : "NO");

/** The human-readable report on stdout. */
export function printBenchReport(
  result: BenchResult,
  options: { offeredRate: number; buyers: number; reaperHolds: number },
): void {
  const { targets } = result;
  const reaperRate = result.reaper_100k_s > 0 ? 100_000 / result.reaper_100k_s : Number.NaN;
  console.log("");
  if (result.scale !== 1)
    console.log(`SCALED RUN (scale ${result.scale}): figures are not comparable with the targets.\n`);
  console.log(
    table(
      ["phase", "p50 ms", "p95 ms", "p99 ms", "per_s", "target", "met?"],
      [
        [
          "validate",
          ms(result.validate.p50_ms),
          ms(result.validate.p95_ms),
          ms(result.validate.p99_ms),
          rate(result.validate.per_s),
          `p95 < 5 ms at ${options.offeredRate}/s`,
          met(targets.validate_p95_lt_5ms_at_offered_rate),
        ],
        [
          "hold (hot)",
          ms(result.hold.p50_ms),
          ms(result.hold.p95_ms),
          ms(result.hold.p99_ms),
          rate(result.hold.per_s),
          `p95 < 20 ms, ${options.buyers} buyers`,
          met(targets.hold_p95_lt_20ms),
        ],
        [
          "hold (hot, caps)",
          ms(result.hold_caps.p50_ms),
          ms(result.hold_caps.p95_ms),
          ms(result.hold_caps.p99_ms),
          rate(result.hold_caps.per_s),
          "every buyer named: caps checked",
          "-",
        ],
        [
          "webhook",
          ms(result.webhook.p50_ms),
          ms(result.webhook.p95_ms),
          ms(result.webhook.p99_ms),
          rate(result.webhook.per_s),
          "p95 < 25 ms",
          met(targets.webhook_p95_lt_25ms),
        ],
        [
          "reaper",
          "-",
          "-",
          "-",
          rate(reaperRate),
          `100k in < 10 s (${result.reaper_100k_s.toFixed(2)} s${options.reaperHolds === 100_000 ? "" : ", extrapolated"})`,
          met(targets.reaper_100k_lt_10s),
        ],
      ],
    ),
  );
  console.log("");
  const floor = result.baseline_floor_units_per_s;
  const seed = result.baseline_seed_units_per_s;
  const hot = result.hot_units_per_s;
  console.log(
    table(
      ["hot variant throughput", "units/s", "hot / this", "target", "met?"],
      [
        ["hot_units_per_s (platform)", rate(hot), "-", "-", "-"],
        [
          "baseline_floor_units_per_s",
          rate(floor),
          `${(hot / floor).toFixed(2)}x`,
          `>= 2x (${rate(2 * floor)})`,
          met(targets.hot_ge_2x_floor),
        ],
        [
          "baseline_seed_units_per_s",
          rate(seed),
          `${(hot / seed).toFixed(2)}x`,
          `>= 10x (${rate(10 * seed)})`,
          met(targets.hot_ge_10x_seed),
        ],
        [
          "caps runs, buyers unnamed",
          rate(result.caps_plain_units_per_s),
          `${(hot / result.caps_plain_units_per_s).toFixed(2)}x`,
          "-",
          "-",
        ],
        [
          "caps runs, buyers named",
          rate(result.hot_caps_units_per_s),
          `${(hot / result.hot_caps_units_per_s).toFixed(2)}x`,
          `>= 0.9 x unnamed (${(result.hot_caps_units_per_s / result.caps_plain_units_per_s).toFixed(2)} x)`,
          met(targets.caps_cost_le_10pct),
        ],
      ],
    ),
  );
  console.log("");
  if (result.one_location) printOneLocation(result.one_location, result.details);
  if (result.split_carts) printSplitCarts(result.split_carts, result.details);
  for (const [title, layouts] of [
    ["multi-instance", result.multi_instance],
    ["via PgBouncer", result.multi_instance_pgbouncer ?? []],
  ] as const) {
    if (layouts.length === 0) continue;
    const one = layouts.find((layout) => layout.processes === 1);
    console.log(
      table(
        [
          title,
          "pool each",
          "units/s",
          "vs 1 process",
          "p50 ms",
          "p95 ms",
          "units/tx",
          "floor units/s",
          "vs floor",
          "oversold",
        ],
        layouts.map((layout) => [
          `${layout.processes} x ${Math.round(layout.buyers / layout.processes)} buyers`,
          String(layout.pool_per_process),
          rate(layout.units_per_s),
          one ? `${(layout.units_per_s / one.units_per_s).toFixed(2)}x` : "-",
          ms(layout.p50_ms),
          ms(layout.p95_ms),
          layout.hold_transactions > 0 ? (layout.units / layout.hold_transactions).toFixed(1) : "-",
          rate(layout.floor_units_per_s),
          `${(layout.units_per_s / layout.floor_units_per_s).toFixed(2)}x`,
          String(layout.oversold),
        ]),
      ),
    );
    console.log("");
  }
  if (result.multi_instance.length > 0) {
    console.log(
      `targets: most processes >= 80% of one and >= 5x its floor: ${met(targets.multi_instance_scales)}; p95 < 50 ms there and < 20 ms at one: ${met(targets.multi_instance_p95)}`,
    );
    console.log("");
  }
  console.log(
    `validate capacity ${rate(result.validate_capacity_per_s)}/s, raw pg floor ${rate(result.validate_floor_per_s)}/s ` +
      `(${(result.validate_capacity_per_s / result.validate_floor_per_s).toFixed(2)}x; target >= 0.5x: ${met(targets.validate_capacity_ge_half_floor)})`,
  );
  console.log("");
  if (result.checkout_e2e) printCheckout(result.checkout_e2e, targets);
  console.log(`oversold: ${result.oversold}   reconcile_ok: ${result.reconcile_ok}   duration: ${result.durationS} s`);
}

const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(3)}x` : "-");

/** Phase 3c: each round's sales on both databases, the medians, and after / before. */
function printOneLocation(
  comparison: NonNullable<BenchResult["one_location"]>,
  details: Record<string, unknown>,
): void {
  const sales = ((details.one_location as { sales?: OneLocationSale[] } | undefined)?.sales ?? []).slice();
  for (const [named, kind] of [
    [false, comparison.unnamed],
    [true, comparison.named],
  ] as const) {
    const figures = (f: SaleFigures) => [
      rate(f.units_per_s),
      rate(f.holds_per_s),
      ms(f.p50_ms),
      ms(f.p95_ms),
      ms(f.p99_ms),
      rate(f.postgres_cpu_ms_per_1000_units),
      rate(f.node_cpu_ms_per_1000_units),
    ];
    const ratios = (f: SaleFigures) => [
      ratio(f.units_per_s),
      ratio(f.holds_per_s),
      ratio(f.p50_ms),
      ratio(f.p95_ms),
      ratio(f.p99_ms),
      ratio(f.postgres_cpu_ms_per_1000_units),
      ratio(f.node_cpu_ms_per_1000_units),
    ];
    console.log(
      table(
        [
          `one location, ${named ? "buyers named (3b)" : "hot sale (3)"}`,
          "units/s",
          "holds/s",
          "p50 ms",
          "p95 ms",
          "p99 ms",
          "pg cpu ms/1k units",
          "node cpu ms/1k units",
        ],
        [
          ...sales
            .filter((sale) => sale.named === named)
            .map((sale) => [`round ${sale.round}, ${sale.side}`, ...figures(sale)]),
          ["median, after", ...figures(kind.after)],
          ["median, before", ...figures(kind.before)],
          ["after / before (medians)", ...ratios(kind.ratio)],
          ["after / before (paired, median)", ...ratios(kind.paired_ratio)],
        ],
      ),
    );
    console.log(`  within 10% (units/s >= 0.9x and p95 <= 1.1x of before): ${met(kind.within_10pct)}`);
    console.log("");
  }
  if (comparison.batch) {
    const { after, before } = comparison.batch;
    console.log(
      `one batch alone (inventory_create_holds_batch, ${comparison.batch.requests_per_batch} requests, ${comparison.batch.batches} in turn on each): ` +
        `PostgreSQL CPU ${after.cpu_ms} ms after, ${before.cpu_ms} ms before (${ratio(comparison.batch.cpu_ratio)}); ` +
        `wall ${after.wall_ms} / ${before.wall_ms} ms (${ratio(comparison.batch.wall_ratio)})`,
    );
  }
  console.log(
    `one location keeps its speed (before = migrated up to ${comparison.before_migration}, ${comparison.rounds} rounds in turn, ${comparison.seconds} s): ${met(comparison.within_10pct)}`,
  );
  console.log("");
}

/** Phase 3d: the five-location sales beside the same carts at one location. */
function printSplitCarts(split: NonNullable<BenchResult["split_carts"]>, details: Record<string, unknown>): void {
  const sales = (details.split_carts as { sales?: SplitSale[] } | undefined)?.sales ?? [];
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  console.log(
    table(
      [
        "split carts",
        "units/s",
        "holds/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "split holds",
        "locations/hold",
        "sold = left",
        "reconcile",
      ],
      [
        ...sales.map((sale) => [
          `round ${sale.round}, ${sale.locations} location${sale.locations > 1 ? "s" : ""}`,
          rate(sale.units_per_s),
          rate(sale.holds_per_s),
          ms(sale.p50_ms),
          ms(sale.p95_ms),
          ms(sale.p99_ms),
          pct(sale.split_share),
          sale.mean_locations_per_hold.toFixed(2),
          `${sale.sold_units} = ${sale.units_left_levels}${sale.books_ok ? "" : " WRONG"}`,
          sale.reconcile_ok ? "clean" : "DRIFT",
        ]),
        ...[
          ["median, 5 locations", split.five],
          ["median, 1 location", split.one],
        ].map(([label, figures]) => {
          const f = figures as SplitCartPhaseResult["five"];
          return [
            label as string,
            rate(f.units_per_s),
            rate(f.holds_per_s),
            ms(f.p50_ms),
            ms(f.p95_ms),
            ms(f.p99_ms),
            pct(f.split_share),
            f.mean_locations_per_hold.toFixed(2),
            "-",
            "-",
          ];
        }),
      ],
    ),
  );
  console.log(
    `  5 locations / 1: units/s ${ratio(split.units_per_s_ratio)}, p95 ${ratio(split.p95_ratio)}; oversold ${split.oversold}; books ${split.books_ok ? "ok" : "WRONG"} (${split.seconds} s)`,
  );
  console.log("");
}

/** The checkout phase: its figures against their targets, then the counts behind them. */
function printCheckout(checkout: CheckoutE2eSummary, targets: BenchTargets): void {
  const limit = checkout.stripe_endpoint_limit_per_s;
  const maybe = (value: boolean | undefined) => (value === undefined ? "-" : met(value));
  const pair = (value: { p50: number; p95: number }) => `${ms(value.p50)} / ${ms(value.p95)}`;
  console.log(
    table(
      [`checkout over HTTP (${checkout.buyers} buyers, ${checkout.units} units)`, "figure", "target", "met?"],
      [
        [
          `sessions/s (Stripe: ${limit}/s per endpoint)`,
          checkout.sessions_per_s.toFixed(1),
          `>= 90% of ${limit} (${(0.9 * limit).toFixed(1)}); ${((checkout.sessions_per_s / limit) * 100).toFixed(0)}%`,
          maybe(targets.checkout_sessions_ge_90pct_of_limit),
        ],
        [
          "holds lost to throttling",
          String(checkout.holds_lost_to_throttling),
          `0 of ${checkout.granted} granted`,
          maybe(targets.checkout_no_holds_lost),
        ],
        [
          "sold-out answer p50 / p95 ms",
          pair(checkout.sold_out_answer_ms),
          "p95 < 50 ms",
          maybe(targets.checkout_sold_out_p95_lt_50ms),
        ],
        ["click to payment page p50 / p95 ms", pair(checkout.click_to_payment_page_ms), "-", "-"],
        ["oversold", String(checkout.oversold), "0", met(checkout.oversold === 0)],
        [
          "reconciliation; books (sold = paid)",
          `${checkout.reconcile_ok ? "clean" : "DRIFT"}; ${checkout.books_ok ? "ok" : "WRONG"}`,
          "clean; ok",
          met(checkout.reconcile_ok && checkout.books_ok),
        ],
      ],
    ),
  );
  const throttled = Object.entries(checkout.stripe_429s)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
  console.log(
    `granted ${checkout.granted} (${checkout.answered_202} answered 202 preparing), paid ${checkout.paid}, abandoned ${checkout.abandoned}; ` +
      `preparing-page waits ${checkout.preparing_page_waits} (${checkout.buyers_who_waited} buyers); Stripe 429s: ${throttled}`,
  );
  console.log("");
}
