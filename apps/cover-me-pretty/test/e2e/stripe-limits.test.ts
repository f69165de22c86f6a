import { randomBytes } from "node:crypto";
import { reconcileInventoryReserved, variantKey, type HoldStore, type InventoryStore } from "@acme/platform-core";
import { DEMO_SHOP_ID } from "@acme/platform-core/demo";
import type { TestDatabase } from "@acme/platform-core/test-support";
import { DEMO_COUPONS, STRIPE_SANDBOX_LIMITS, type StripeEmulator } from "@acme/stripe-emulator";
import { startNextApp, type RunningNextApp } from "@acme/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followPaymentLink, type ReachedPaymentPage } from "./follow-payment-link.ts";
import { SHOP_DIR, startShopStack, type ShopStack } from "./start-shop-stack.ts";

// Checkout at Stripe's real limits, on the real stack: the shop and the CMS
// as production builds, PostgreSQL, and the Stripe emulator enforcing the
// sandbox's limits (25 requests a second in all and per endpoint). Buyers
// post their carts to the shop's checkout route and follow the payment link
// as a browser would; each comes from an address of its own (x-real-ip).

const SHOP = DEMO_SHOP_ID;
const DROP = { sku: "CMP-TEE-LIMITS", variantKey: variantKey({ color: "limits", size: "m" }) };
const CREATE = "/v1/checkout/sessions";

let stack: ShopStack;
let db: TestDatabase;
let store: InventoryStore;
let holds: HoldStore;
let emulator: StripeEmulator;
let cms: RunningNextApp;
let shop: RunningNextApp;
let cronSecret: string;
let nextAddress = 1;

beforeAll(async () => {
  stack = await startShopStack({
    emulator: { limits: STRIPE_SANDBOX_LIMITS, coupons: DEMO_COUPONS },
    shopEnv: { INVENTORY_HOLD_TTL_SECONDS: "1200", SHOP_ALLOW_PROMOTION_CODES: "1" },
  });
  ({ db, store, holds, emulator, cms, shop, cronSecret } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

async function drop(quantity: number) {
  await db.pool.query(`DELETE FROM "CheckoutSessionRequest"`);
  await db.pool.query(`DELETE FROM "InventoryHold"`);
  await db.pool.query(`DELETE FROM "OversoldSale"`);
  await db.pool.query(`DELETE FROM "StockLedgerEntry" WHERE sku = $1`, [DROP.sku]);
  await db.pool.query(`DELETE FROM "InventoryItem" WHERE sku = $1`, [DROP.sku]);
  await store.upsertItems(
    SHOP,
    [{ sku: DROP.sku, productId: "linen-tee", variantAttributes: { color: "limits", size: "m" }, quantity }],
    {
      reason: "import",
      actor: "test",
    },
  );
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
  key: string;
  address: string;
}

async function checkout(options: { url?: string; key?: string; address?: string } = {}): Promise<Answer> {
  const key = options.key ?? `cart-${randomBytes(8).toString("hex")}`;
  const address = options.address ?? `198.18.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;
  const started = performance.now();
  const response = await fetch(`${options.url ?? shop.url}/api/checkout-session`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-real-ip": address },
    body: JSON.stringify({ lines: [{ ...DROP, quantity: 1 }], idempotencyKey: key }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, ms: performance.now() - started, key, address };
}

const held = (answer: Answer) => answer.status === 200 || answer.status === 202;
const dropItem = async () => (await store.getItem(SHOP, DROP))!;
const creates = () => emulator.requests().filter((request) => request.method === "POST" && request.path === CREATE);

async function holdStatuses(): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM "InventoryHold" GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

async function payAll(pages: ReachedPaymentPage[]) {
  for (const page of pages) emulator.pay(page.sessionId);
  await emulator.idle();
}

describe("checkout at Stripe's limits, on the real stack", () => {
  it("a burst of 200 checkouts for 50 units at 25/s: every granted buyer reaches a payment page, no hold is lost, nothing oversold", async () => {
    await drop(50);
    const before = creates().length;
    const throttledBefore = emulator.throttled();
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 200 }, () => checkout()));
    const granted = answers.filter(held);
    const soldOut = answers.filter((answer) => answer.status === 409);
    expect(granted).toHaveLength(50);
    expect(soldOut).toHaveLength(150);
    const saysHeld: unknown = expect.stringMatching(/held/);
    for (const answer of granted.filter((a) => a.status === 202)) {
      expect(answer.body).toMatchObject({ status: "preparing", message: saysHeld });
    }
    const pages = await Promise.all(granted.map((answer) => followPaymentLink(shop.url, String(answer.body.url))));
    const allPagesMs = Date.now() - started;
    expect(new Set(pages.map((page) => page.sessionId)).size).toBe(50);
    for (const page of pages) expect(page.location.startsWith(`${emulator.url}/checkout/`)).toBe(true);
    // No granted buyer lost the stock: 50 holds, all still active, one session each.
    expect(await holdStatuses()).toEqual({ active: 50 });
    const made = creates()
      .slice(before)
      .filter((request) => request.status === 200 && !request.replayed);
    expect(made).toHaveLength(50);
    const spanS = (made.at(-1)!.at - made[0]!.at) / 1000;
    const throttled = emulator.throttled();
    const newThrottled = Object.fromEntries(
      Object.entries(throttled).map(([reason, n]) => [
        reason,
        n - (throttledBefore[reason as keyof typeof throttled] ?? 0),
      ]),
    );
    await payAll(pages);
    await expect.poll(async () => (await dropItem()).quantity, { timeout: 30_000 }).toBe(0);
    expect(await dropItem()).toMatchObject({ quantity: 0, reserved: 0 });
    expect(await holds.listOversoldSales({ shopId: SHOP })).toEqual([]);
    expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
    const waits = pages.reduce((total, page) => total + page.waits, 0);
    console.log(
      `[stripe-limits] burst: 200 carts, 50 held (${granted.filter((a) => a.status === 202).length} answered 202 preparing), 150 sold out; ` +
        `50 sessions in ${spanS.toFixed(2)} s (${(49 / Math.max(spanS, 0.001)).toFixed(1)}/s at a 25/s limit), 429s ${JSON.stringify(newThrottled)}, ` +
        `${waits} preparing-page waits; all payment pages reached ${allPagesMs} ms after the burst began`,
    );
  }, 120_000);

  it("a Stripe outage in the middle of a burst: the stock stays held, and every buyer reaches a payment page once Stripe is back", async () => {
    await drop(40);
    const before = creates().length;
    const first = await Promise.all(Array.from({ length: 20 }, () => checkout()));
    emulator.setOutage(503);
    const during = await Promise.all(Array.from({ length: 60 }, () => checkout()));
    const outageAnswers = during.filter(held);
    expect(outageAnswers.length).toBeGreaterThan(0);
    for (const answer of outageAnswers) expect(answer.status).toBe(202);
    setTimeout(() => emulator.setOutage(null), 3_000);
    const granted = [...first, ...during].filter(held);
    expect(granted).toHaveLength(40);
    expect((await dropItem()).reserved).toBe(40);
    const pages = await Promise.all(granted.map((answer) => followPaymentLink(shop.url, String(answer.body.url))));
    expect(new Set(pages.map((page) => page.sessionId)).size).toBe(40);
    expect(await holdStatuses()).toEqual({ active: 40 });
    const failedDuringOutage = creates()
      .slice(before)
      .filter((request) => request.status === 503).length;
    expect(failedDuringOutage).toBeGreaterThan(0);
    // One live session per hold: the emulator holds exactly one session naming each hold.
    const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM "InventoryHold"`);
    for (const { id } of rows)
      expect(emulator.sessions().filter((session) => session.metadata?.inventory_reservation_id === id)).toHaveLength(
        1,
      );
    await payAll(pages);
    await expect.poll(async () => (await dropItem()).quantity, { timeout: 30_000 }).toBe(0);
    expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
    console.log(
      `[stripe-limits] outage: 80 carts, 40 held; ${failedDuringOutage} create calls met the 503 outage; all 40 reached a payment page after it`,
    );
  }, 120_000);

  it("a 400 on one cart stays that cart's answer: its stock goes back at once, the others are not touched", async () => {
    await drop(30);
    const refused = await (async () => {
      emulator.failNextCreate(400, "Amount must convert to at least 50 cents. $0.30 converts to approximately $0.30.", {
        code: "amount_too_small",
      });
      return checkout();
    })();
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: "payment_rejected", provider: { code: "amount_too_small" } });
    expect(String(refused.body.message)).toMatch(/could not take this order.*Nothing was charged/);
    expect((await dropItem()).reserved).toBe(0);
    const others = await Promise.all(Array.from({ length: 29 }, () => checkout()));
    expect(others.filter(held)).toHaveLength(29);
    // The same cart again (same key): the same answer, and Stripe is not asked again.
    const calls = creates().length;
    const again = await checkout({ key: refused.key, address: refused.address });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ code: "payment_rejected", provider: { code: "amount_too_small" } });
    expect(creates().length).toBe(calls);
    const pages = await Promise.all(
      others.filter(held).map((answer) => followPaymentLink(shop.url, String(answer.body.url))),
    );
    expect(pages).toHaveLength(29);
    expect(await dropItem()).toMatchObject({ quantity: 30, reserved: 29 });
  }, 120_000);

  it("the hold's TTL is honoured: the CMS's cron expires its session through Stripe's API, and a payment racing that call is sold again", async () => {
    await drop(2);
    const [abandoned, racing] = [await checkout(), await checkout()];
    const pages = await Promise.all(
      [abandoned, racing].map((answer) => followPaymentLink(shop.url, String(answer.body.url))),
    );
    expect((await dropItem()).reserved).toBe(2);
    // Both holds' 20 minutes are up (the clock is moved on in the database, not waited for).
    await db.pool.query(`UPDATE "InventoryHold" SET "expiresAt" = now() - interval '1 second'`);
    // The second buyer pays just before the cron's expire call reaches Stripe.
    emulator.pay(pages[1]!.sessionId);
    const cron = await fetch(`${cms.url}/api/cron/release-expired-holds`, {
      headers: { authorization: `Bearer ${cronSecret}` },
    });
    expect(cron.status).toBe(200);
    const report = (await cron.json()) as { released: number; sessions: { expired: number; closed: number } };
    // The paid session is not expired: Stripe refused (closed), or its webhook had already sold the hold.
    expect(report.sessions.expired).toBe(1);
    expect(report.sessions.closed).toBeLessThanOrEqual(1);
    expect(emulator.session(pages[1]!.sessionId).status).toBe("complete");
    expect(emulator.session(pages[0]!.sessionId).status).toBe("expired");
    await emulator.idle();
    // The abandoned unit is back; the paid one was still there, so it was sold.
    await expect.poll(async () => (await dropItem()).quantity, { timeout: 20_000 }).toBe(1);
    expect(await dropItem()).toMatchObject({ quantity: 1, reserved: 0 });
    expect(await holds.listOversoldSales({ shopId: SHOP })).toEqual([]);
    expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
  }, 60_000);

  it("a no-cost order: the buyer enters a 100%-off code on Stripe's page, completes it without paying, and the stock is sold", async () => {
    await drop(3);
    const answer = await checkout();
    expect(held(answer)).toBe(true);
    const page = await followPaymentLink(shop.url, String(answer.body.url));
    const form = (action: string, body = "") =>
      fetch(`${page.location}/${action}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        redirect: "manual",
      });
    expect((await form("promotion-code", "code=FREE100")).status).toBeLessThan(400);
    expect(emulator.session(page.sessionId)).toMatchObject({ amount_total: 0, allow_promotion_codes: true });
    const html = await (await fetch(page.location)).text();
    expect(html).toMatch(/Complete order/);
    const done = await form("pay");
    expect(done.status).toBe(303);
    expect(emulator.session(page.sessionId)).toMatchObject({
      status: "complete",
      payment_status: "no_payment_required",
    });
    await emulator.idle();
    await expect.poll(async () => (await dropItem()).quantity, { timeout: 20_000 }).toBe(2);
    expect(await dropItem()).toMatchObject({ quantity: 2, reserved: 0 });
    const [sale] = (await store.listLedger(SHOP, DROP)).filter((entry) => entry.reason === "sale");
    expect(sale).toMatchObject({ delta: -1, actor: "stripe-webhook" });
  }, 60_000);

  it("a rollback period (SKIP_INVENTORY_VALIDATION=1) still counts every paid sale; reconciliation is clean afterwards", async () => {
    await drop(3);
    const rollback = await startNextApp({ appDir: SHOP_DIR, env: stack.shopEnv({ SKIP_INVENTORY_VALIDATION: "1" }) });
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => checkout({ url: rollback.url })));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect((await dropItem()).reserved).toBe(0);
      for (const answer of answers) emulator.pay(String(answer.body.sessionId));
      await emulator.idle();
      await expect
        .poll(async () => (await holds.listOversoldSales({ shopId: SHOP })).length, { timeout: 20_000 })
        .toBe(2);
      expect(await dropItem()).toMatchObject({ quantity: 0, reserved: 0 });
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "OpsAlert" WHERE kind = 'oversold_at_payment' AND severity = 'critical'`,
      );
      expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
    } finally {
      await rollback.stop();
    }
    expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
    // The switch is off again: the shop holds and sells as before.
    await store.upsertItems(
      SHOP,
      [{ sku: DROP.sku, productId: "linen-tee", variantAttributes: { color: "limits", size: "m" }, quantity: 1 }],
      { reason: "import", actor: "test" },
    );
    const after = await checkout();
    expect(held(after)).toBe(true);
    expect((await dropItem()).reserved).toBe(1);
  }, 120_000);
});
