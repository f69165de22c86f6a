import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  applyMigrations,
  createDatabase,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  variantKey,
} from "@acme/platform-core";
import type { RateLimitReason } from "@acme/stripe-emulator";
import { checkInvariants, type InvariantReport } from "../check-invariants.ts";
import { createErrorTally, type ErrorCount } from "../create-error-tally.ts";
import { createProgress, type Progress } from "../create-progress.ts";
import { createRandom } from "../create-random.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import type { BenchDatabase } from "../start-bench-database.ts";
import { percentile, round } from "../stats.ts";
import type { BuyerRecord, CrowdMessage, CrowdTask } from "./crowd-protocol.ts";
import { machineCpuMs, processTreeCpuMs } from "./read-cpu-times.ts";
import {
  CLIENT_IP_HEADER,
  startCheckoutStack,
  STRIPE_ENDPOINT_RATE_PER_SECOND,
  type CheckoutStack,
} from "./start-checkout-stack.ts";

const CREATE = "/v1/checkout/sessions";
const CROWD_WORKER = fileURLToPath(new URL("./crowd-worker.ts", import.meta.url));
const DROP_ATTRIBUTES = { color: "bench", size: "m" };
const DROP = { sku: "BENCH-DROP-TEE", variantKey: variantKey(DROP_ATTRIBUTES) };
/** A variant with no stock, for the warm-up: its checkouts are refused before anything is held or sent to Stripe. */
const WARM_ATTRIBUTES = { color: "warm-up", size: "m" };
const WARM = { sku: "BENCH-WARM-TEE", variantKey: variantKey(WARM_ATTRIBUTES) };

export interface Percentiles {
  p50: number;
  p95: number;
}

/** `checkout_e2e` in `bench/results/latest.json`. */
export interface CheckoutE2eSummary {
  buyers: number;
  units: number;
  /** Buyers answered 200 (ready) or 202 (preparing): the stock is theirs. */
  granted: number;
  stripe_endpoint_limit_per_s: number;
  /**
   * Sessions created (the emulator's 200, not replayed, `POST /v1/checkout/sessions`) over the span from the first
   * creation to the last.
   */
  sessions_per_s: number;
  /**
   * Granted buyers who never reached Stripe's page, or whose hold was not active once all had followed their links, or
   * whose session names another hold.
   */
  holds_lost_to_throttling: number;
  /** From sending the POST to the answer that named Stripe's page, over the granted buyers who reached one. */
  click_to_payment_page_ms: Percentiles;
  /** The POST's latency of the 409 (sold out) answers. */
  sold_out_answer_ms: Percentiles;
  paid: number;
  oversold: number;
  reconcile_ok: boolean;
  /** Granted buyers answered 202: held, payment page being prepared. */
  answered_202: number;
  /** The emulator's 429s by limiter, over the whole phase (session creations and the cron's expiries). */
  stripe_429s: Record<RateLimitReason, number>;
  /** Times a buyer was sent to /checkout/preparing, and how many buyers were sent there at least once. */
  preparing_page_waits: number;
  buyers_who_waited: number;
  abandoned: number;
  /**
   * Sold units equal paid buyers, nothing left reserved, every hold settled (committed = paid, the rest expired or
   * released).
   */
  books_ok: boolean;
}

export interface CheckoutE2eTargets {
  /** Sessions created at no less than 90% of Stripe's per-endpoint limit. */
  checkout_sessions_ge_90pct_of_limit: boolean;
  checkout_no_holds_lost: boolean;
  checkout_sold_out_p95_lt_50ms: boolean;
}

export interface CheckoutE2ePhaseResult {
  summary: CheckoutE2eSummary;
  targets: CheckoutE2eTargets;
  details: Record<string, unknown>;
  errors: ErrorCount[];
  /** Things a reader must see next to the figures (printed as `! …`). */
  notes: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentiles(values: number[]): Percentiles & { p99: number; max: number } {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => (sorted.length === 0 ? 0 : round(percentile(sorted, p)));
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.length === 0 ? 0 : round(sorted[sorted.length - 1]!) };
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Error lines a `next start` server logged (the platform logs JSON with a level), with a sample. */
function errorLines(output: string): { count: number; sample: string | undefined } {
  const lines = output
    .split("\n")
    .filter((line) => line.includes('"level":"error"') || /^\s*(Error|TypeError|⨯)/.test(line));
  return { count: lines.length, sample: lines[0]?.slice(0, 500) };
}

/**
 * The flash sale end to end over HTTP, at Stripe's live-mode limits: the
 * shop and the CMS as production builds on a fresh database of the bench's
 * server, the Stripe emulator enforcing 100 requests/s in all and 25/s per
 * endpoint, and `buyers` browsers (each its own address, `x-real-ip`)
 * arriving evenly spread over `arrivalMs` (a crowd within about a second)
 * for `units` units of one variant through `POST /api/checkout-session`.
 * The crowd runs in its own process and reaches the shop through a pool of
 * `connections` keep-alive connections, as through a proxy in front of it
 * (a connection per buyer overflows one `next start` process's accept queue);
 * a request's wait for a connection counts in its latency. Each granted buyer (200 ready
 * or 202 preparing) follows its payment link as a browser does, through
 * `/checkout/preparing` and back after `retry` seconds, until it is sent to
 * Stripe's page. Then `payShare` of them pay (`emulator.pay`: a signed
 * `checkout.session.completed` to the CMS's webhook) and the rest abandon:
 * their holds' time is moved on in the database and the CMS's cron
 * releases them and expires their sessions through the API. Last, the books.
 *
 * Figures:
 * - `sessions_per_s`: sessions created (the emulator's log: `POST
 *   /v1/checkout/sessions`, 200, not an idempotent replay) divided by the
 *   span from the first creation to the last, i.e. while buyers wait;
 * - `holds_lost_to_throttling`: granted buyers who never reached Stripe's
 *   page, or whose hold (found by their idempotency key) was not active when
 *   all had followed their links, or whose session pays for another hold;
 * - `click_to_payment_page_ms`: from sending the POST to the answer that
 *   named Stripe's page, over the granted buyers who reached one;
 * - `sold_out_answer_ms`: the POST latency of the 409 answers;
 * - `oversold`: units granted beyond stock, negative stock, and units of the
 *   shop's oversold-sale records; `reconcile_ok`: `reconcileInventoryReserved`
 *   finds no drift and no row breaks its CHECKs.
 */
export async function runCheckoutE2ePhase(
  config: BenchConfig,
  deps: { server: BenchDatabase; onStop: (stop: () => Promise<void>) => void },
): Promise<CheckoutE2ePhaseResult> {
  const log = (message: string) => process.stderr.write(`  ${message}\n`);
  const errors = createErrorTally();
  const notes: string[] = [];
  const url = await deps.server.createDatabase("checkout");
  await applyMigrations({ databaseUrl: url });
  const db = createDatabase({ url, poolSize: 4 });
  let stack: CheckoutStack | undefined;
  try {
    const store = createPrismaInventoryStore(db);
    const holds = createPrismaHoldStore(db);
    const seeded = Date.now();
    stack = await startCheckoutStack({ databaseUrl: url });
    deps.onStop(stack.stop);
    const { emulator, shop, cms, shopId } = stack;
    log(
      `shop ${shop.url}, CMS ${cms.url}, Stripe emulator ${emulator.url} (live limits) started in ${((Date.now() - seeded) / 1000).toFixed(1)}s`,
    );
    await store.upsertItems(
      shopId,
      [
        { sku: DROP.sku, productId: "linen-tee", variantAttributes: DROP_ATTRIBUTES, quantity: config.checkoutUnits },
        { sku: WARM.sku, productId: "linen-tee", variantAttributes: WARM_ATTRIBUTES, quantity: 0 },
      ],
      { reason: "import", actor: "bench" },
    );

    // The sale, from the crowd's own process (see crowd-worker.ts); the
    // warm-up there first, not measured.
    const progress = createProgress("checkout", config.checkoutBuyers);
    const task: CrowdTask = {
      shopUrl: shop.url,
      ipHeader: CLIENT_IP_HEADER,
      buyers: config.checkoutBuyers,
      lines: [{ ...DROP, quantity: 1 }],
      warmLines: [{ ...WARM, quantity: 1 }],
      arrivalMs: config.checkoutArrivalMs,
      connections: config.checkoutConnections,
      followForMs: config.phaseTimeoutSeconds * 1000,
    };
    const serverPid = deps.server.serverPid;
    const cpuNow = () => ({
      bench: process.cpuUsage(),
      shop: processTreeCpuMs(shop.pid),
      cms: processTreeCpuMs(cms.pid),
      postgres: serverPid === undefined ? undefined : processTreeCpuMs(serverPid),
      machine: machineCpuMs(),
    });
    let cpuBefore: ReturnType<typeof cpuNow> | undefined;
    let loadBefore = 0;
    const { warmStatuses, sale } = await runCrowd(task, {
      onGo: () => {
        cpuBefore = cpuNow();
        loadBefore = loadavg()[0]!;
      },
      onStop: deps.onStop,
      progress,
    });
    const buyers = sale.buyers;
    const saleSeconds = sale.saleMs / 1000;
    // Who used the two cores while buyers checked out (the bench process runs the emulator; the crowd its own process).
    const before = cpuBefore!;
    const after = cpuNow();
    const benchCpu = process.cpuUsage(before.bench);
    const spent = (from: number | undefined, to: number | undefined) =>
      from === undefined || to === undefined ? null : round((to - from) / 1000, 2);
    const ours = {
      shop: spent(before.shop, after.shop),
      cms: spent(before.cms, after.cms),
      postgres: spent(before.postgres, after.postgres),
      emulator_and_bench: round((benchCpu.user + benchCpu.system) / 1e6, 2),
      crowd: round(sale.cpuMs / 1000, 2),
    };
    const machineBusy = spent(before.machine?.busy, after.machine?.busy);
    const saleCpuS = {
      ...ours,
      // Every process on the machine; `others` is what none of the above used (other work on a shared machine).
      machine_busy: machineBusy,
      machine_available: spent(before.machine?.total, after.machine?.total),
      others:
        machineBusy === null
          ? null
          : round(machineBusy - Object.values(ours).reduce<number>((sum, value) => sum + (value ?? 0), 0), 2),
      load_average_1m_before: round(loadBefore, 2),
    };
    if (!warmStatuses.every((status) => status === 409))
      notes.push(
        `checkout warm-up: expected 409s on a sold-out variant, got ${JSON.stringify(tally(warmStatuses.map(String)))}`,
      );

    // Where every buyer stands once all have followed their links, before anyone pays.
    const granted = buyers.filter((buyer) => buyer.status === 200 || buyer.status === 202);
    const soldOut = buyers.filter((buyer) => buyer.status === 409);
    const { rows: holdRows } = await db.pool.query<{ id: string; status: string; idempotencyKey: string | null }>(
      `SELECT id, status, "idempotencyKey" FROM "InventoryHold" WHERE "shopId" = $1`,
      [shopId],
    );
    const holdByKey = new Map(
      holdRows.flatMap((row) => (row.idempotencyKey ? [[row.idempotencyKey, row] as const] : [])),
    );
    const sessions = new Map(emulator.sessions().map((session) => [session.id, session]));
    const lostReasons: string[] = [];
    const reached: Array<{ buyer: BuyerRecord; sessionId: string }> = [];
    for (const buyer of granted) {
      const followed = buyer.followed;
      const hold = holdByKey.get(buyer.key);
      if (!followed?.reached) lostReasons.push(followed?.reason ?? "not followed");
      else if (!hold) lostReasons.push("reached a payment page, but no hold has its key");
      else if (hold.status !== "active") lostReasons.push(`reached a payment page, hold ${hold.status}`);
      else if (sessions.get(followed.sessionId)?.metadata.inventory_reservation_id !== hold.id)
        lostReasons.push("reached a payment page for another hold");
      else reached.push({ buyer, sessionId: followed.sessionId });
    }
    const holdStatusesAfterSale = tally(holdRows.map((row) => row.status));
    const dropAfterSale = (await store.getItem(shopId, DROP))!;
    const creates = emulator.requests().filter((request) => request.method === "POST" && request.path === CREATE);
    const made = creates.filter((request) => request.status === 200 && !request.replayed);
    const spanS = made.length > 1 ? (made.at(-1)!.at - made[0]!.at) / 1000 : 0;
    const sessionsPerS = spanS > 0 ? made.length / spanS : 0;
    const waits = granted.map((buyer) => buyer.followed?.waits ?? 0);
    const clickToPage = granted.flatMap((buyer) => (buyer.followed?.reached ? [buyer.followed.clickToPageMs] : []));
    progress.finish(
      `${buyers.length} buyers in ${saleSeconds.toFixed(1)}s: ${granted.length} granted (${granted.filter((b) => b.status === 202).length} answered 202), ` +
        `${soldOut.length} sold out, ${reached.length} on a payment page; ${made.length} sessions at ${sessionsPerS.toFixed(1)}/s`,
    );

    // 90% pay: Stripe sends checkout.session.completed to the CMS, which sells the held unit.
    const random = createRandom(config.randomSeed + 7);
    const order = reached.slice();
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const payers = order.slice(0, Math.round(config.checkoutPayShare * order.length));
    const payStarted = performance.now();
    for (const { sessionId } of payers) {
      try {
        emulator.pay(sessionId);
      } catch (error) {
        errors.add(error);
      }
    }
    await emulator.idle();
    const settleSeconds = (performance.now() - payStarted) / 1000;
    const paidDeliveries = emulator
      .deliveries()
      .filter((attempt) => attempt.eventType === "checkout.session.completed");

    // The rest abandon: their holds' time is up (the clock moved on in the database), and the CMS's cron
    // releases them and expires their sessions through Stripe's API, paced like creation.
    await db.pool.query(`UPDATE "InventoryHold" SET "expiresAt" = now() - interval '1 second' WHERE status = 'active'`);
    const cronRuns: unknown[] = [];
    const cronStarted = performance.now();
    for (let run = 0; run < 10; run++) {
      const response = await fetch(`${cms.url}/api/cron/release-expired-holds`, {
        headers: { authorization: `Bearer ${stack.cronSecret}` },
      });
      const report = (await response.json().catch(() => ({}))) as {
        released?: number;
        sessions?: { expired: number; closed: number; deferred: number; errors: string[] };
      };
      cronRuns.push({ status: response.status, ...report });
      if (response.status !== 200)
        notes.push(`checkout: the CMS's cron answered ${response.status}: ${JSON.stringify(report).slice(0, 300)}`);
      if (!report.sessions || report.sessions.deferred === 0) break;
      await sleep(1_000);
    }
    await emulator.idle();
    const cronSeconds = (performance.now() - cronStarted) / 1000;

    // The books.
    const drop = (await store.getItem(shopId, DROP))!;
    const invariants: InvariantReport = await checkInvariants(db, holds);
    const oversoldSales = await holds.listOversoldSales({ shopId });
    const { rows: finalRows } = await db.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM "InventoryHold" WHERE "shopId" = $1 GROUP BY status`,
      [shopId],
    );
    const holdStatusesAtEnd = Object.fromEntries(finalRows.map((row) => [row.status, row.n]));
    const sessionStatusesAtEnd = tally(emulator.sessions().map((session) => session.status));
    const paid = payers.length;
    if ((sessionStatusesAtEnd.open ?? 0) > 0)
      notes.push(
        `checkout: ${sessionStatusesAtEnd.open} Stripe sessions still open after the cron (abandoned holds' sessions should be expired)`,
      );
    const sold = config.checkoutUnits - drop.quantity;
    const oversoldSaleUnits = oversoldSales.reduce(
      (sum, sale) =>
        sum +
        Math.max(
          1,
          sale.items.reduce((units, item) => units + Math.max(0, item.requested - item.available), 0),
        ),
      0,
    );
    // Units granted beyond stock, rows over their stock or below zero (every row of the phase's database),
    // oversold-sale records.
    const oversold = Math.max(0, granted.length - config.checkoutUnits) + invariants.oversoldUnits + oversoldSaleUnits;
    const reconcileOk = invariants.reconcileOk && invariants.badRows === 0;
    const booksOk =
      sold === paid &&
      drop.reserved === 0 &&
      (holdStatusesAtEnd.committed ?? 0) === paid &&
      (holdStatusesAtEnd.active ?? 0) === 0 &&
      oversoldSales.length === 0 &&
      dropAfterSale.reserved === granted.length;
    if (!booksOk) {
      notes.push(
        `checkout books: sold ${sold} units for ${paid} paid buyers; reserved ${drop.reserved} at the end (${dropAfterSale.reserved} after the sale, ${granted.length} granted); ` +
          `holds ${JSON.stringify(holdStatusesAtEnd)}; ${oversoldSales.length} oversold sales`,
      );
    }
    if (!reconcileOk)
      notes.push(
        `checkout reconcile: drift ${JSON.stringify(invariants.drift)}, ${invariants.badRows} rows breaking their CHECKs`,
      );
    const failedPaidDeliveries = new Set(
      paidDeliveries.filter((attempt) => !attempt.ok).map((attempt) => attempt.eventId),
    ).size;
    if (failedPaidDeliveries > 0)
      notes.push(
        `checkout: ${failedPaidDeliveries} checkout.session.completed events needed more than one delivery attempt`,
      );
    const others = buyers.filter((buyer) => buyer.other);
    if (others.length > 0)
      notes.push(
        `checkout: ${others.length} answers were neither granted nor sold out: ${JSON.stringify(tally(others.map((buyer) => buyer.other!)))}`,
      );
    if (lostReasons.length > 0)
      notes.push(`checkout: ${lostReasons.length} holds lost: ${JSON.stringify(tally(lostReasons))}`);
    const shopErrors = errorLines(shop.output());
    const cmsErrors = errorLines(cms.output());
    if (shopErrors.count > 0)
      notes.push(`checkout: the shop logged ${shopErrors.count} error lines, first: ${shopErrors.sample}`);
    if (cmsErrors.count > 0)
      notes.push(`checkout: the CMS logged ${cmsErrors.count} error lines, first: ${cmsErrors.sample}`);

    const soldOutMs = percentiles(soldOut.map((buyer) => buyer.postMs));
    const clickMs = percentiles(clickToPage);
    const summary: CheckoutE2eSummary = {
      buyers: buyers.length,
      units: config.checkoutUnits,
      granted: granted.length,
      stripe_endpoint_limit_per_s: STRIPE_ENDPOINT_RATE_PER_SECOND,
      sessions_per_s: round(sessionsPerS, 1),
      holds_lost_to_throttling: lostReasons.length,
      click_to_payment_page_ms: { p50: clickMs.p50, p95: clickMs.p95 },
      sold_out_answer_ms: { p50: soldOutMs.p50, p95: soldOutMs.p95 },
      paid,
      oversold,
      reconcile_ok: reconcileOk,
      answered_202: granted.filter((buyer) => buyer.status === 202).length,
      stripe_429s: emulator.throttled(),
      preparing_page_waits: waits.reduce((sum, n) => sum + n, 0),
      buyers_who_waited: waits.filter((n) => n > 0).length,
      abandoned: reached.length - paid,
      books_ok: booksOk,
    };
    const lateness = buyers.map((buyer) => buyer.lateMs);
    return {
      summary,
      targets: {
        checkout_sessions_ge_90pct_of_limit: sessionsPerS >= 0.9 * STRIPE_ENDPOINT_RATE_PER_SECOND,
        checkout_no_holds_lost: lostReasons.length === 0 && granted.length > 0,
        checkout_sold_out_p95_lt_50ms: soldOut.length > 0 && soldOutMs.p95 < 50,
      },
      details: {
        arrival_ms: config.checkoutArrivalMs,
        sale_s: round(saleSeconds, 2),
        sale_cpu_s: saleCpuS,
        statuses: tally(buyers.map((buyer) => String(buyer.status))),
        other_answers: tally(buyers.flatMap((buyer) => (buyer.other ? [buyer.other] : []))),
        connections: config.checkoutConnections,
        peak_in_flight: sale.peakInFlight,
        send_lateness_ms: percentiles(lateness),
        post_ms_granted: percentiles(granted.map((buyer) => buyer.postMs)),
        post_ms_ready_200: percentiles(granted.filter((buyer) => buyer.status === 200).map((buyer) => buyer.postMs)),
        post_ms_preparing_202: percentiles(
          granted.filter((buyer) => buyer.status === 202).map((buyer) => buyer.postMs),
        ),
        sold_out_answer_ms: soldOutMs,
        click_to_payment_page_ms: clickMs,
        reached_payment_page: reached.length,
        lost_reasons: tally(lostReasons),
        sessions_created: made.length,
        sessions_span_s: round(spanS, 2),
        create_calls: tally(
          creates.map(
            (request) =>
              `${request.status}${request.replayed ? " replayed" : ""}${request.rateLimited ? ` ${request.rateLimited}` : ""}`,
          ),
        ),
        expire_calls: tally(
          emulator
            .requests()
            .filter((request) => request.method === "POST" && request.path.endsWith("/expire"))
            .map((request) => String(request.status)),
        ),
        hold_statuses_after_sale: holdStatusesAfterSale,
        drop_after_sale: { quantity: dropAfterSale.quantity, reserved: dropAfterSale.reserved },
        settle_paid_s: round(settleSeconds, 2),
        paid_deliveries_retried: failedPaidDeliveries,
        cron_s: round(cronSeconds, 2),
        cron_runs: cronRuns,
        drop_at_end: { quantity: drop.quantity, reserved: drop.reserved, sold },
        hold_statuses_at_end: holdStatusesAtEnd,
        session_statuses_at_end: sessionStatusesAtEnd,
        oversold_sales: oversoldSales.length,
        invariants,
        shop_error_lines: shopErrors,
        cms_error_lines: cmsErrors,
        warm_up_statuses: tally(warmStatuses.map(String)),
      },
      errors: [...sale.errors, ...errors.list()],
      notes,
    };
  } finally {
    await stack?.stop();
    await db.close().catch(() => {});
  }
}

/** Runs the crowd process: its warm-up, then (after `onGo`) the sale; every buyer's record back. */
async function runCrowd(
  task: CrowdTask,
  hooks: { onGo: () => void; onStop: (stop: () => Promise<void>) => void; progress: Progress },
): Promise<{ warmStatuses: number[]; sale: Extract<CrowdMessage, { type: "done" }> }> {
  const child = fork(CROWD_WORKER, [JSON.stringify(task)], {
    execArgv: ["--conditions=react-server", "--import", import.meta.resolve("tsx")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  hooks.onStop(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  });
  let warmStatuses: number[] = [];
  try {
    const sale = await new Promise<Extract<CrowdMessage, { type: "done" }>>((resolve, reject) => {
      child.on("message", (message: CrowdMessage) => {
        if (message.type === "ready") {
          warmStatuses = message.warmStatuses;
          hooks.onGo();
          child.send({ type: "go" });
        } else if (message.type === "progress")
          hooks.progress.update(
            message.done,
            `(${message.granted} granted, ${message.onPaymentPage} on a payment page)`,
          );
        else if (message.type === "done") resolve(message);
        else reject(new Error(`the checkout crowd failed: ${message.message}`));
      });
      child.once("exit", (code, signal) =>
        reject(new Error(`the checkout crowd exited with ${code ?? signal} before it answered`)),
      );
    });
    return { warmStatuses, sale };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  }
}
