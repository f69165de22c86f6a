import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createPrismaHoldStore,
  createPrismaInventoryStore,
  reconcileInventoryReserved,
  type InventoryItem,
} from "@acme/platform-core";
import { DEMO_SHOP_ID, seedDemo } from "@acme/platform-core/demo";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { startNextApp, type RunningNextApp } from "@acme/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CMS_DIR,
  createTestOperator,
  signIn,
  startCmsForTest,
  type CmsClient,
  type TestCms,
} from "../support/cms-test-server.ts";
import { readPaymentLinkAnswer } from "@acme/testkit/payment-link";

// Soak: mixed traffic over loopback for SOAK_SECONDS (default 60 here; `pnpm
// soak` runs 150) through the built shop and CMS on one PostgreSQL, with the
// Stripe emulator paying and expiring sessions (signed webhooks to the CMS),
// the reaper and ops-alert crons firing, and the servers' memory sampled.
// Asserted: correctness only (no 5xx, nothing lost, zero oversell, books
// balance) and a generous memory bound. Latency and RSS are printed as a
// `[soak]` line per window as each window closes (also appended to
// apps/cms/test-results/soak-windows.log, to follow a long soak with tail -f),
// and the whole report goes to apps/cms/test-results/soak-latest.json.
// Timeouts follow SOAK_SECONDS, so an hour's soak (SOAK_SECONDS=3600) runs.

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 6);
/** Window length: SOAK_WINDOW_SECONDS, else a sixth of the run between 10 s and 60 s. */
const WINDOW_MS = (Number(process.env.SOAK_WINDOW_SECONDS) || Math.min(60, Math.max(10, SECONDS / 6))) * 1000;
const WINDOWS = Math.max(2, Math.ceil((SECONDS * 1000) / WINDOW_MS));
/**
 * After the deadline: Stripe's last deliveries, expiring what is still open, and the checks, all of which grow with the
 * run.
 */
const TEST_TIMEOUT_MS = (SECONDS * 2 + 300) * 1000;
const STOP_TIMEOUT_MS = 300_000;
const SHOP_DIR = fileURLToPath(new URL("../../../cover-me-pretty", import.meta.url));
const PASSWORD = "correct horse battery staple";
const SHOP = DEMO_SHOP_ID;
/** Scarce variants stay as seeded (the "last unit" races); every other variant gets this much stock. */
const PLENTY = 20_000;

let db: TestDatabase;
let emulator: StripeEmulator;
let cms: TestCms;
let shop: RunningNextApp;
let editor: CmsClient;
let variants: InventoryItem[] = [];
const initial = new Map<string, number>();

const key = (item: { sku: string; variantKey: string }) => `${item.sku}|${item.variantKey}`;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  const store = createPrismaInventoryStore(db);
  await seedDemo({ store, database: db });
  const seeded = await store.listItems(SHOP);
  await store.upsertItems(
    SHOP,
    seeded
      .filter((item) => item.quantity > 3)
      .map((item) => ({
        sku: item.sku,
        productId: item.productId,
        variantAttributes: item.variantAttributes,
        quantity: PLENTY,
      })),
    { reason: "import", actor: "soak" },
  );
  variants = await store.listItems(SHOP);
  for (const item of variants) initial.set(key(item), item.quantity);
  await createTestOperator({
    databaseUrl: db.url,
    email: "soak@acme.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });

  const webhookSecret = `whsec_${randomBytes(12).toString("hex")}`;
  emulator = await startStripeEmulator({ webhookSecret, expirySweepMs: 0 });
  const stripe = { STRIPE_API_BASE_URL: emulator.url, STRIPE_WEBHOOK_SECRET: webhookSecret };
  [cms, shop] = await Promise.all([
    startCmsForTest({ databaseUrl: db.url, env: stripe }),
    startNextApp({
      appDir: SHOP_DIR,
      env: {
        DATABASE_URL: db.url,
        INVENTORY_BACKEND: "prisma",
        SHOP_ID: SHOP,
        SHOP_CLIENT_SECRET: "soak-shop-client-secret-0123456789abcdef",
        INVENTORY_MODE: "reserve_ttl",
        ...stripe,
      },
    }),
  ]);
  emulator.setWebhookUrl(`${cms.url}/api/stripe/webhook`);
  editor = await signIn(cms, "soak@acme.test", PASSWORD);
});

afterAll(async () => {
  await Promise.all([shop?.stop(), cms?.stop()]);
  await emulator?.stop();
  await db?.destroy();
}, STOP_TIMEOUT_MS);

/** Resident memory (KiB) of a process and all its descendants, from /proc. */
function rssKib(pid: number): number {
  let total = 0;
  const seen = new Set<number>();
  const visit = (id: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, "utf8"))?.[1] ?? 0);
      for (const task of readFileSync(`/proc/${id}/task/${id}/children`, "utf8").trim().split(/\s+/).filter(Boolean))
        visit(Number(task));
    } catch {
      // gone between listing and reading
    }
  };
  visit(pid);
  return total;
}

interface Sample {
  at: number;
  kind: string;
  status: number;
  ms: number;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const median = (values: number[]) => percentile(values, 50);

/** A small seeded PRNG: the traffic mix is the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it(
  `holds mixed traffic for ${SECONDS} s: no 5xx, nothing lost, zero oversell, memory bounded`,
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    /** Requests of the window still open; a closed window keeps only its figures. */
    let samples: Sample[] = [];
    let requests = 0;
    const latencyByKind = new Map<string, { ms: number[]; statuses: Record<number, number> }>();
    const failures: string[] = [];
    const memory: Array<{ at: number; cms: number; shop: number }> = [];
    const openSessions: string[] = [];
    const outcomes = { paid: 0, expired: 0, abandoned: 0, reaped: 0, soldOut: 0, edits: 0, editConflicts: 0 };
    const started = Date.now();
    const deadline = started + SECONDS * 1000;

    function record(sample: Sample): void {
      samples.push(sample);
      requests += 1;
      let of = latencyByKind.get(sample.kind);
      if (!of) latencyByKind.set(sample.kind, (of = { ms: [], statuses: {} }));
      of.ms.push(sample.ms);
      of.statuses[sample.status] = (of.statuses[sample.status] ?? 0) + 1;
    }

    const resultsDir = path.join(CMS_DIR, "test-results");
    mkdirSync(resultsDir, { recursive: true });
    const windowLog = path.join(resultsDir, "soak-windows.log");
    writeFileSync(windowLog, "");
    const windows: Array<{
      window: string;
      requests: number;
      perSecond: number;
      p50: number;
      p95: number;
      cmsRssMiB: number;
      shopRssMiB: number;
    }> = [];
    /** Closes window `w`: its figures are printed now, and its samples dropped. */
    function closeWindow(w: number, last: boolean): void {
      const from = w * WINDOW_MS;
      const to = Math.min((w + 1) * WINDOW_MS, SECONDS * 1000);
      // A sample's time is when its answer came.
      const inWindow = last ? samples : samples.filter((sample) => sample.at < to);
      samples = last ? [] : samples.filter((sample) => sample.at >= to);
      const mem = memory.filter((m) => m.at >= from && m.at < to);
      const figures = {
        window: `${Math.round(from / 1000)}-${Math.round(to / 1000)} s`,
        requests: inWindow.length,
        perSecond: Math.round(inWindow.length / ((to - from) / 1000)),
        p50:
          Math.round(
            percentile(
              inWindow.map((sample) => sample.ms),
              50,
            ) * 10,
          ) / 10,
        p95:
          Math.round(
            percentile(
              inWindow.map((sample) => sample.ms),
              95,
            ) * 10,
          ) / 10,
        cmsRssMiB: Math.round(median(mem.map((m) => m.cms)) / 1024),
        shopRssMiB: Math.round(median(mem.map((m) => m.shop)) / 1024),
      };
      windows.push(figures);
      const line = `[soak] ${figures.window}: ${figures.requests} requests (${figures.perSecond}/s) p50 ${figures.p50} ms p95 ${figures.p95} ms; RSS cms ${figures.cmsRssMiB} MiB, shop ${figures.shopRssMiB} MiB`;
      console.log(line);
      appendFileSync(windowLog, `${line}\n`);
    }

    async function timed(kind: string, run: () => Promise<Response>): Promise<Response | undefined> {
      const t0 = performance.now();
      try {
        const response = await run();
        record({ at: Date.now() - started, kind, status: response.status, ms: performance.now() - t0 });
        if (response.status >= 500)
          failures.push(`${kind} answered ${response.status}: ${(await response.clone().text()).slice(0, 200)}`);
        return response;
      } catch (error) {
        record({ at: Date.now() - started, kind, status: 0, ms: performance.now() - t0 });
        failures.push(`${kind} failed: ${String(error)}`);
        return undefined;
      }
    }
    const signal = () => AbortSignal.timeout(30_000);

    async function checkout(random: () => number): Promise<void> {
      // Mostly plentiful variants; one cart in five wants a scarce one (the last-unit races).
      const scarce = variants.filter((v) => (initial.get(key(v)) ?? 0) <= 3);
      const plenty = variants.filter((v) => (initial.get(key(v)) ?? 0) > 3);
      const pick = (list: InventoryItem[]) => list[Math.floor(random() * list.length)]!;
      const lines = [pick(random() < 0.2 ? scarce : plenty), ...(random() < 0.4 ? [pick(plenty)] : [])]
        .filter((line, index, all) => all.findIndex((other) => key(other) === key(line)) === index)
        .map((v) => ({ sku: v.sku, variantKey: v.variantKey, quantity: 1 + Math.floor(random() * 2) }));
      const response = await timed("shop checkout-session", () =>
        fetch(`${shop.url}/api/checkout-session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ lines }),
          signal: signal(),
        }),
      );
      if (!response) return;
      if (response.status === 409) outcomes.soldOut++;
      if (response.status !== 200 && response.status !== 202) {
        if (![409].includes(response.status))
          failures.push(`checkout answered ${response.status}: ${await response.text()}`);
        else await response.body?.cancel();
        return;
      }
      const answer = (await response.json()) as { sessionId?: string; url: string };
      // 202: held while Stripe is busy (its 25/s); the payment link sends the buyer on once the session exists.
      let sessionId = answer.sessionId;
      while (!sessionId) {
        const link = await fetch(new URL(answer.url, shop.url), { redirect: "manual", signal: signal() });
        const read = readPaymentLinkAnswer(link.status, link.headers.get("location"), shop.url);
        if (read.kind === "preparing") await new Promise((resolve) => setTimeout(resolve, read.retrySeconds * 1000));
        else if (read.kind === "payment_page") sessionId = read.sessionId;
        else return void failures.push(`the payment link answered ${read.status} ${read.location ?? ""}`);
      }
      // The buyer pays, walks away (Stripe expires the session), or leaves it open (the reaper's job).
      const fate = random();
      if (fate < 0.6) {
        emulator.pay(sessionId);
        outcomes.paid++;
      } else if (fate < 0.85) {
        emulator.expire(sessionId);
        outcomes.expired++;
      } else {
        openSessions.push(sessionId);
        outcomes.abandoned++;
      }
    }

    async function validate(random: () => number): Promise<void> {
      const items = variants
        .filter(() => random() < 0.2)
        .slice(0, 5)
        .map((v) => ({ sku: v.sku, variantKey: v.variantKey, quantity: 1 + Math.floor(random() * 3) }));
      if (items.length === 0) items.push({ sku: variants[0]!.sku, variantKey: variants[0]!.variantKey, quantity: 1 });
      const response = await timed("authority validate", () =>
        fetch(`${cms.url}/api/inventory/validate`, {
          method: "POST",
          headers: { authorization: `Bearer ${cms.secrets.authority}`, "content-type": "application/json" },
          body: JSON.stringify({ shopId: SHOP, items }),
          signal: signal(),
        }),
      );
      if (response && ![200, 409].includes(response.status)) failures.push(`validate answered ${response.status}`);
      await response?.body?.cancel();
    }

    async function gridRead(random: () => number): Promise<void> {
      const sorts = ["sku", "quantity", "available", "reserved", "updatedAt"];
      const filters = ["all", "low", "out", "attention"];
      const query = new URLSearchParams({
        sort: sorts[Math.floor(random() * sorts.length)]!,
        filter: filters[Math.floor(random() * filters.length)]!,
        dir: random() < 0.5 ? "asc" : "desc",
        ...(random() < 0.3 ? { q: "tee" } : {}),
      });
      const path =
        random() < 0.8
          ? `/api/shops/${SHOP}/inventory?${query}`
          : [
              `/api/shops/${SHOP}/holds?status=active&limit=50`,
              `/api/shops/${SHOP}/low-stock`,
              `/api/shops/${SHOP}/inventory/history?sku=CMP-TOTE`,
            ][Math.floor(random() * 3)]!;
      const response = await timed("cms grid read", () => editor.request(path, { method: "GET", signal: signal() }));
      if (response && response.status !== 200) failures.push(`grid read ${path} answered ${response.status}`);
      await response?.body?.cancel();
    }

    async function edit(random: () => number): Promise<void> {
      // Restock or correct the tote and one plentiful variant: races with checkouts and webhooks.
      const target =
        random() < 0.5
          ? variants.find((v) => v.sku === "CMP-TOTE")!
          : variants.filter((v) => (initial.get(key(v)) ?? 0) > 3)[Math.floor(random() * 5)]!;
      const current = await timed("cms grid read", () =>
        editor.request(
          `/api/shops/${SHOP}/inventory/history?sku=${encodeURIComponent(target.sku)}&variantKey=${encodeURIComponent(target.variantKey)}&limit=1`,
          { method: "GET", signal: signal() },
        ),
      );
      if (!current || current.status !== 200) return;
      const { item } = (await current.json()) as { item: InventoryItem };
      const response = await timed("cms edit", () =>
        editor.request(`/api/shops/${SHOP}/inventory`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            sku: item.sku,
            variantKey: item.variantKey,
            expectedVersion: item.version,
            quantity: item.quantity + 1 + Math.floor(random() * 5),
            reason: "restock",
            note: "soak",
          }),
          signal: signal(),
        }),
      );
      if (!response) return;
      if (response.status === 200) outcomes.edits++;
      else if (response.status === 409)
        outcomes.editConflicts++; // someone sold or edited it in between: expected
      else failures.push(`edit answered ${response.status}: ${await response.text()}`);
      await response.body?.cancel();
    }

    async function worker(index: number): Promise<void> {
      const random = prng(1000 + index);
      for (let n = 0; n < 1_000_000 && Date.now() < deadline; n++) {
        const roll = random();
        if (roll < 0.35) await checkout(random);
        else if (roll < 0.6) await validate(random);
        else if (roll < 0.9) await gridRead(random);
        else await edit(random);
      }
    }

    /** Every `everyMs` until the deadline (bounded by it), run `tick`. */
    async function periodically(everyMs: number, tick: () => Promise<void>): Promise<void> {
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(everyMs, Math.max(0, deadline - Date.now()))));
        await tick();
      }
    }

    const reaper = periodically(5_000, async () => {
      // Abandoned holds age: move some expiries into the past (as time would), then let the cron reap them.
      const due = openSessions.splice(0, Math.ceil(openSessions.length / 2));
      for (const sessionId of due) {
        const holdId = emulator.session(sessionId).metadata.inventory_reservation_id;
        if (holdId)
          await db.pool.query(
            `UPDATE "InventoryHold" SET "expiresAt" = now() - interval '1 second' WHERE id = $1 AND status = 'active'`,
            [holdId],
          );
      }
      const response = await timed("cron reaper", () =>
        fetch(`${cms.url}/api/cron/release-expired-holds`, {
          headers: { authorization: `Bearer ${cms.secrets.cron}` },
          signal: signal(),
        }),
      );
      if (response?.status === 200) outcomes.reaped += ((await response.json()) as { released: number }).released;
      else if (response) failures.push(`reaper answered ${response.status}`);
    });
    const opsAlerts = periodically(7_000, async () => {
      const response = await timed("cron ops-alerts", () =>
        fetch(`${cms.url}/api/cron/ops-alerts`, {
          headers: { authorization: `Bearer ${cms.secrets.cron}` },
          signal: signal(),
        }),
      );
      if (response && response.status !== 200) failures.push(`ops-alerts cron answered ${response.status}`);
      await response?.body?.cancel();
    });
    const sampler = (async () => {
      for (let n = 0; n < 100_000 && Date.now() < deadline; n++) {
        memory.push({ at: Date.now() - started, cms: rssKib(cms.pid), shop: rssKib(shop.pid) });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();

    const workersDone = Promise.all([
      ...Array.from({ length: CONCURRENCY }, (_, i) => worker(i)),
      reaper,
      opsAlerts,
      sampler,
    ]);
    const windowCloser = (async () => {
      for (let w = 0; w < WINDOWS; w++) {
        const closesAt = started + Math.min((w + 1) * WINDOW_MS, SECONDS * 1000);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, closesAt - Date.now())));
        // The last window also takes the requests that were in flight at the deadline.
        if (w === WINDOWS - 1) await workersDone;
        closeWindow(w, w === WINDOWS - 1);
      }
    })();
    await workersDone;
    await windowCloser;
    const elapsed = (Date.now() - started) / 1000;

    // Let Stripe's deliveries land, then settle what is left open as Stripe would (the sessions expire).
    await emulator.idle();
    for (const session of emulator.sessions()) if (session.status === "open") emulator.expire(session.id);
    await emulator.idle();

    // ---- figures ----
    const byKind: Record<string, { requests: number; p50: number; p95: number; statuses: Record<number, number> }> = {};
    for (const [kind, of] of latencyByKind) {
      byKind[kind] = {
        requests: of.ms.length,
        p50: Math.round(percentile(of.ms, 50) * 10) / 10,
        p95: Math.round(percentile(of.ms, 95) * 10) / 10,
        statuses: of.statuses,
      };
    }
    const deliveries = emulator.deliveries();
    const report = {
      seconds: Math.round(elapsed),
      concurrency: CONCURRENCY,
      requests,
      perSecond: Math.round(requests / elapsed),
      outcomes,
      webhookDeliveries: {
        attempts: deliveries.length,
        failed: deliveries.filter((d) => !d.ok).length,
        events: emulator.events().length,
      },
      windows,
      byKind,
      memoryMiB: {
        cms: memory.map((m) => Math.round(m.cms / 1024)),
        shop: memory.map((m) => Math.round(m.shop / 1024)),
      },
    };
    console.log(
      `[soak] ${report.seconds} s, ${CONCURRENCY} clients, ${report.requests} requests (${report.perSecond}/s); outcomes ${JSON.stringify(outcomes)}; webhooks ${JSON.stringify(report.webhookDeliveries)}`,
    );
    for (const [kind, k] of Object.entries(byKind))
      console.log(
        `[soak] ${kind}: ${k.requests} requests p50 ${k.p50} ms p95 ${k.p95} ms statuses ${JSON.stringify(k.statuses)}`,
      );
    writeFileSync(path.join(resultsDir, "soak-latest.json"), `${JSON.stringify(report, null, 2)}\n`);

    // ---- correctness ----
    expect(failures.slice(0, 20)).toEqual([]);
    expect(requests).toBeGreaterThan(SECONDS * 5);
    expect(outcomes.paid).toBeGreaterThan(0);
    expect(deliveries.filter((d) => !d.ok)).toEqual([]);

    const holds = createPrismaHoldStore(db);
    expect((await reconcileInventoryReserved({ store: holds, shopId: SHOP })).drift).toEqual([]);
    // Zero oversell: never below zero, reserved never above stock, no sale recorded without stock.
    const { rows: oversold } = await db.pool.query(`SELECT * FROM "OversoldSale"`);
    expect(oversold).toEqual([]);
    const { rows: books } = await db.pool.query<{
      sku: string;
      variantKey: string;
      quantity: number;
      reserved: number;
      replayed: number;
      sold: number;
      added: number;
    }>(
      `SELECT i.sku, i."variantKey", i.quantity, i.reserved, coalesce(sum(l.delta), 0)::int AS replayed,
            coalesce(-sum(l.delta) FILTER (WHERE l.reason = 'sale'), 0)::int AS sold,
            coalesce(sum(l.delta) FILTER (WHERE l.reason <> 'sale'), 0)::int AS added
     FROM "InventoryItem" i LEFT JOIN "StockLedgerEntry" l USING ("shopId", sku, "variantKey")
     WHERE i."shopId" = $1 GROUP BY 1, 2, 3, 4`,
      [SHOP],
    );
    for (const row of books) {
      expect({ variant: key(row), replayed: row.replayed }).toEqual({ variant: key(row), replayed: row.quantity });
      expect(row.quantity).toBeGreaterThanOrEqual(0);
      expect(row.reserved).toBeLessThanOrEqual(row.quantity);
      expect(row.sold, `${key(row)} sold more than it ever had`).toBeLessThanOrEqual(row.added);
    }
    // Nothing lost: every paid session's hold is committed with one sale entry per line; every other hold is released.
    const paidSessions = emulator.sessions().filter((s) => s.payment_status === "paid");
    const { rows: holdRows } = await db.pool.query<{ id: string; status: string; lines: number; sales: number }>(
      `SELECT h.id, h.status, (SELECT count(*)::int FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id) AS lines,
            (SELECT count(*)::int FROM "StockLedgerEntry" l WHERE l."holdId" = h.id AND l.reason = 'sale') AS sales
     FROM "InventoryHold" h WHERE h."shopId" = $1`,
      [SHOP],
    );
    const byHold = new Map(holdRows.map((row) => [row.id, row]));
    for (const session of paidSessions) {
      const hold = byHold.get(session.metadata.inventory_reservation_id!);
      expect(hold, `paid session ${session.id}`).toMatchObject({ status: "committed" });
      expect(hold!.sales).toBe(hold!.lines);
    }
    expect(holdRows.filter((row) => row.status === "committed")).toHaveLength(paidSessions.length);
    expect(holdRows.filter((row) => row.status === "active")).toEqual([]);

    // Memory: a generous bound after warm-up (the first window), for both servers.
    const firstWindow = memory.filter((m) => m.at >= WINDOW_MS && m.at < 2 * WINDOW_MS);
    const lastWindow = memory.filter((m) => m.at >= (WINDOWS - 1) * WINDOW_MS);
    for (const server of ["cms", "shop"] as const) {
      const first = median(firstWindow.map((m) => m[server]));
      const last = median(lastWindow.map((m) => m[server]));
      console.log(
        `[soak] ${server} RSS: ${Math.round(first / 1024)} MiB after warm-up -> ${Math.round(last / 1024)} MiB in the last window`,
      );
      expect(first).toBeGreaterThan(0);
      expect(last, `${server} RSS grew from ${first} KiB to ${last} KiB`).toBeLessThan(2 * first);
    }
  },
);
