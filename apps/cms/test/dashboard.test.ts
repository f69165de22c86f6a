import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  commitInventoryHold,
  createInventoryHold,
  createOpsEventRecorder,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  releaseExpiredInventoryHolds,
  releaseInventoryHold,
  type HoldStore,
} from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { launchChromium, startSmtpSink, type SmtpSink } from "@acme/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CMS_DIR,
  createTestOperator,
  signIn,
  startCmsForTest,
  type CmsClient,
  type TestCms,
} from "./support/cms-test-server.ts";

/**
 * Metrics and ops-alert cron endpoints, and the hold lifecycle dashboard on
 * the CMS production build: figures computed from holds seeded through the
 * library on a real PostgreSQL, read in Chromium, limited to the operator's shops.
 */

const PASSWORD = "correct horse battery staple";
const MINUTE = 60_000;

let db: TestDatabase;
let smtp: SmtpSink;
let cms: TestCms;
let browser: Browser;
let viewerA: CmsClient;
let admin: CmsClient;

/** `count` holds of one unit each, created `minutesAgo` minutes ago (60 s TTL when they are to expire). */
async function holds(
  store: HoldStore,
  shopId: string,
  count: number,
  minutesAgo: number,
  ttlSeconds = 1200,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const hold = await createInventoryHold({
      shopId,
      requests: [{ sku: "TEE", quantity: 1 }],
      ttlSeconds,
      now: new Date(Date.now() - minutesAgo * MINUTE),
      store,
    });
    ids.push(hold.holdId);
  }
  return ids;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const stock = createPrismaInventoryStore(db);
  const store = createPrismaHoldStore(db, { batching: false });
  for (const shopId of ["shop-a", "shop-b"]) {
    await stock.upsertItems(shopId, [{ sku: "TEE", productId: "tee", quantity: 100 }], {
      reason: "import",
      actor: "test",
    });
  }
  // shop-a: 10 holds; 6 committed, 1 released, 3 expired -> commit rate 60 %, expiry rate 30 %.
  const a = await holds(store, "shop-a", 7, 20);
  for (const holdId of a.slice(0, 6)) await commitInventoryHold({ shopId: "shop-a", holdId, store });
  await releaseInventoryHold({ shopId: "shop-a", holdId: a[6]!, store });
  await holds(store, "shop-a", 3, 30, 60);
  expect(await releaseExpiredInventoryHolds({ shopId: "shop-a", store })).toBe(3);
  // shop-b: 4 holds, all committed -> 100 %; all shops together: 10 of 14 -> 71.4 %.
  for (const holdId of await holds(store, "shop-b", 4, 10))
    await commitInventoryHold({ shopId: "shop-b", holdId, store });
  // Events no hold row records, counted as the library counts them.
  const events = createOpsEventRecorder(db);
  for (let i = 0; i < 2; i++) events.record("validation_failure", { shopId: "shop-a" });
  events.record("checkout_stock_rejection", { shopId: "shop-a" });
  for (let i = 0; i < 7; i++) events.record("validation_failure", { shopId: "shop-b" });
  events.record("reaper_run", { value: 30 });
  events.record("reaper_run", { value: 50 });
  await events.flush();

  await createTestOperator({
    databaseUrl: db.url,
    email: "viewer@a.test",
    password: PASSWORD,
    role: "viewer",
    shops: ["shop-a"],
  });
  await createTestOperator({ databaseUrl: db.url, email: "admin@acme.test", password: PASSWORD, role: "admin" });
  await createTestOperator({ databaseUrl: db.url, email: "nobody@acme.test", password: PASSWORD, role: "viewer" });
  // Stock alerts go to a real SMTP server; a crossing waits in the outbox for the ops-alert cron.
  smtp = await startSmtpSink();
  await stock.upsertItems("shop-a", [{ sku: "LOW", productId: "low", quantity: 10, lowStockThreshold: 4 }], {
    reason: "import",
    actor: "test",
  });
  await stock.adjustQuantity({
    shopId: "shop-a",
    sku: "LOW",
    variantKey: "",
    delta: -8,
    reason: "edit",
    actor: "test",
  });
  cms = await startCmsForTest({
    databaseUrl: db.url,
    env: { SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtp.port), STOCK_ALERT_RECIPIENT: "ops@acme.test" },
  });
  viewerA = await signIn(cms, "viewer@a.test", PASSWORD);
  admin = await signIn(cms, "admin@acme.test", PASSWORD);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await cms?.stop();
  await smtp?.stop();
  await db?.destroy();
});

/** The headline tile's value and status colour. */
function tile(html: string, metric: string): { value: string; status: string } {
  const match = new RegExp(
    `data-metric="${metric}" data-status="(\\w+)"><div[^>]*>[^<]*</div><div[^>]*data-value="[^"]*">([^<]*)</div>`,
  ).exec(html);
  if (!match) throw new Error(`no ${metric} tile in the page`);
  return { status: match[1]!, value: match[2]! };
}

async function page(client: CmsClient, query: string): Promise<{ status: number; html: string }> {
  const response = await client.request(`/cms/dashboard${query}`, { method: "GET" });
  return { status: response.status, html: await response.text() };
}

describe("GET /api/metrics", () => {
  it("refuses a missing or wrong token with 401", async () => {
    expect((await fetch(`${cms.url}/api/metrics`)).status).toBe(401);
    expect((await fetch(`${cms.url}/api/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it("serves Prometheus text with the platform's metric names to the right token", async () => {
    const response = await fetch(`${cms.url}/api/metrics`, {
      headers: { authorization: `Bearer ${cms.secrets.metrics}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    for (const name of [
      "inventory_hold_created",
      "inventory_hold_committed",
      "inventory_hold_released",
      "inventory_hold_expired",
      "inventory_hold_commit_failed",
      "inventory_validation_failure",
      "checkout_rejected_stock",
      "inventory_validation_duration_seconds",
      "inventory_hold_creation_duration_seconds",
      "stripe_webhook_duration_seconds",
      "inventory_reaper_runs",
      "inventory_reaper_run_duration_seconds",
    ]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
    }
  });

  it("answers 503 while METRICS_TOKEN is not set", async () => {
    const bare = await startCmsForTest({ databaseUrl: db.url, env: { METRICS_TOKEN: "" } });
    try {
      const response = await fetch(`${bare.url}/api/metrics`, { headers: { authorization: "Bearer anything" } });
      expect(response.status).toBe(503);
      expect(await response.text()).not.toContain("inventory_hold_created");
    } finally {
      await bare.stop();
    }
  });
});

describe("GET /api/cron/ops-alerts", () => {
  it("refuses a missing or wrong CRON_SECRET with 401", async () => {
    expect((await fetch(`${cms.url}/api/cron/ops-alerts`)).status).toBe(401);
    expect(
      (await fetch(`${cms.url}/api/cron/ops-alerts`, { headers: { authorization: `Bearer ${cms.secrets.metrics}` } }))
        .status,
    ).toBe(401);
  });

  it("evaluates the ops rules and drains the stock-alert outbox", async () => {
    const outbox = async () =>
      (await db.pool.query<{ sku: string; status: string }>(`SELECT sku, status FROM "StockAlertCrossing"`)).rows;
    expect(await outbox()).toEqual([{ sku: "LOW", status: "pending" }]);
    const cron = () =>
      fetch(`${cms.url}/api/cron/ops-alerts`, { headers: { authorization: `Bearer ${cms.secrets.cron}` } });
    const response = await cron();
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rules: Array<{ rule: string }>; stockAlerts: Record<string, number> };
    // hold_caps_share_high answers once per shop with client hold requests (once, without a shop, when there are none).
    expect([...new Set(body.rules.map((r) => r.rule))].sort()).toEqual([
      "hold_caps_share_high",
      "hold_commit_failures",
      "hold_expiry_rate_high",
      "validation_failures_high",
    ]);
    expect(body.stockAlerts).toEqual({ claimed: 1, sent: 1, failed: 0, suppressed: 0, noChannels: 0 });
    expect(await outbox()).toEqual([{ sku: "LOW", status: "sent" }]);
    const lowStockMail = smtp.messages.filter((mail) =>
      /^Subject: Low stock: low \(LOW\) has 2 left in shop-a$/m.test(mail.raw),
    );
    expect(lowStockMail).toHaveLength(1);
    expect(lowStockMail[0]!.to).toEqual(["ops@acme.test"]);
    // Drained: the next run sends nothing more.
    const again = (await (await cron()).json()) as { stockAlerts: Record<string, number> };
    expect(again.stockAlerts).toMatchObject({ claimed: 0, sent: 0 });
  });
});

describe("/cms/dashboard", () => {
  it("shows a shop operator the figures of the holds seeded in their shop, in Chromium", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const [name, value] = viewerA.cookie.split("=");
    await context.addCookies([{ name: name!, value: value!, url: cms.url }]);
    const tab: Page = await context.newPage();
    await tab.goto(`${cms.url}/cms/dashboard?range=1h`);
    const commit = tab.locator('[data-metric="commit-rate"]');
    await expect.poll(() => commit.locator("[data-value]").innerText()).toBe("60.0%");
    expect(await commit.getAttribute("data-status")).toBe("bad");
    expect(await tab.locator('[data-metric="expiry-rate"] [data-value]').innerText()).toBe("30.0%");
    expect(await tab.locator('[data-metric="expiry-rate"]').getAttribute("data-status")).toBe("bad");
    expect(await tab.locator('[data-metric="holds-created"] [data-value]').innerText()).toBe("10");
    expect(await tab.locator('[data-metric="validation-failures"] [data-value]').innerText()).toBe("2");
    expect(await tab.locator('[data-metric="checkout-rejections"] [data-value]').innerText()).toBe("1");
    expect(await tab.locator('[data-metric="reaper-runs"] [data-value]').innerText()).toBe("2");
    // Five charts drawn by recharts on the client, with the target lines.
    await expect.poll(() => tab.locator("svg.recharts-surface").count()).toBeGreaterThanOrEqual(5);
    await expect.poll(() => tab.locator(".recharts-reference-line").count()).toBe(2);
    await expect.poll(() => tab.locator(".recharts-line-curve").count()).toBeGreaterThanOrEqual(5);
    // Every series of the hold lifecycle is visible: Created as bars of their own (as a line it lay under
    // Committed), each outcome a line in its own colour and dash, all four in the legend.
    const lifecycle = tab.getByRole("region", { name: "Hold lifecycle" });
    expect(await lifecycle.locator(".recharts-legend-item-text").allInnerTexts()).toEqual([
      "Created",
      "Committed",
      "Released",
      "Expired",
    ]);
    const createdBars = lifecycle.locator(".recharts-bar-rectangle path");
    await expect.poll(() => createdBars.count()).toBeGreaterThan(0);
    expect(
      Math.max(...(await createdBars.evaluateAll((paths) => paths.map((bar) => bar.getBoundingClientRect().height)))),
    ).toBeGreaterThan(10);
    const strokes = await lifecycle
      .locator(".recharts-line-curve")
      .evaluateAll((lines) =>
        lines.map((line) => `${line.getAttribute("stroke")} ${line.getAttribute("stroke-dasharray") ?? ""}`),
      );
    expect(new Set(strokes).size).toBe(3);
    // Times are the browser's zone, said on the page.
    expect(await tab.locator("[data-time-zone]").getAttribute("data-time-zone")).toBe("UTC");
    const away = await browser.newContext({ viewport: { width: 1360, height: 900 }, timezoneId: "America/New_York" });
    await away.addCookies([{ name: name!, value: value!, url: cms.url }]);
    const awayTab = await away.newPage();
    await awayTab.goto(`${cms.url}/cms/dashboard?range=1h`);
    await expect
      .poll(() => awayTab.locator("[data-time-zone]").getAttribute("data-time-zone"))
      .toBe("America/New_York");
    expect(await awayTab.locator("[data-time-zone]").innerText()).toBe(
      "Times in America/New_York (UTC in the tooltips)",
    );
    const ticks = async (page: Page) =>
      page
        .getByRole("region", { name: "Hold lifecycle" })
        .locator(".recharts-cartesian-axis-tick-value")
        .first()
        .textContent();
    expect(await ticks(awayTab)).not.toBe(await ticks(tab));
    await away.close();
    // Only their own shop is offered.
    expect(await tab.locator('select[name="shop"] option').allInnerTexts()).toEqual(["All my shops", "shop-a"]);
    expect(await tab.getByRole("link", { name: "Dashboard" }).getAttribute("class")).toContain("active");
    mkdirSync(path.join(CMS_DIR, "test-results"), { recursive: true });
    await tab.screenshot({ path: path.join(CMS_DIR, "test-results", "dashboard.png"), fullPage: true });

    // A custom range chosen in the form.
    await tab.selectOption('select[name="range"]', "custom");
    // The custom fields start from the window on show.
    expect(await tab.inputValue('input[name="from"]')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(await tab.locator('input[name="to"]').isEnabled()).toBe(true);
    const from = new Date(Date.now() - 2 * 3600_000).toISOString().slice(0, 16);
    const to = new Date(Date.now() + 5 * MINUTE).toISOString().slice(0, 16);
    await tab.fill('input[name="from"]', from);
    await tab.fill('input[name="to"]', to);
    await tab.getByRole("button", { name: "Show" }).click();
    await tab.waitForURL(/range=custom/);
    await expect.poll(() => tab.locator('[data-metric="commit-rate"] [data-value]').innerText()).toBe("60.0%");
    expect(await tab.getByTestId("dashboard-window").innerText()).toContain("1 min buckets");
    await context.close();
  });

  it("never shows shop B's figures to shop A's operator", async () => {
    const all = await page(viewerA, "?range=24h");
    expect(all.status).toBe(200);
    expect(tile(all.html, "commit-rate")).toEqual({ value: "60.0%", status: "bad" });
    expect(tile(all.html, "validation-failures")).toMatchObject({ value: "2" });
    const other = await page(viewerA, "?range=24h&shop=shop-b");
    expect(other.status).toBe(403);
    expect(other.html).not.toContain('data-metric="commit-rate"');
  });

  it("shows an operator without shops no figures at all", async () => {
    const nobody = await signIn(cms, "nobody@acme.test", PASSWORD);
    const { status, html } = await page(nobody, "?range=24h");
    expect(status).toBe(200);
    expect(html).toContain("No shop is granted to you yet");
    expect(html).not.toContain('data-metric="commit-rate"');
  });

  it("shows an admin every shop together, or one", async () => {
    const all = await page(admin, "?range=24h");
    expect(tile(all.html, "commit-rate")).toEqual({ value: "71.4%", status: "bad" });
    expect(tile(all.html, "holds-created")).toMatchObject({ value: "14" });
    expect(tile(all.html, "validation-failures")).toMatchObject({ value: "9" });
    const b = await page(admin, "?range=7d&shop=shop-b");
    expect(tile(b.html, "commit-rate")).toEqual({ value: "100.0%", status: "ok" });
    expect(tile(b.html, "expiry-rate")).toEqual({ value: "0.0%", status: "ok" });
    // Reaper runs are global, whichever shop is chosen.
    expect(tile(b.html, "reaper-runs")).toMatchObject({ value: "2" });
  });

  it("refuses a bad range with an inline message, never a 500", async () => {
    const cases: Array<[string, RegExp]> = [
      ["?range=2y", /range must be 1h, 24h, 7d, 30d or custom/],
      ["?range=custom&from=yesterday&to=2026-01-01T00:00", /from is not a date/],
      ["?range=custom&from=2026-01-02T00:00&to=2026-01-01T00:00", /to must be after from/],
      ["?range=custom&from=2020-01-01T00:00&to=2026-01-01T00:00", /at most 366 days/],
      ["?range=custom&to=2026-01-01T00:00", /from is required for a custom range/],
      ["?range=1h&range=24h", /range must be/],
    ];
    for (const [query, message] of cases) {
      const { status, html } = await page(viewerA, query);
      expect(status, query).toBe(200);
      expect(html, query).toMatch(message);
      expect(html, query).toContain('data-testid="dashboard-error"');
      expect(html, query).not.toContain('data-metric="commit-rate"');
    }
  });

  it("sends an anonymous visitor to sign in", async () => {
    const response = await fetch(`${cms.url}/cms/dashboard?range=1h`, { redirect: "manual" });
    expect([307, 308]).toContain(response.status);
    expect(response.headers.get("location")).toMatch(/\/login\?next=%2Fcms%2Fdashboard/);
  });
});
