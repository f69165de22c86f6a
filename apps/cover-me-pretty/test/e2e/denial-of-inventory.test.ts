import {
  releaseExpiredInventoryHolds,
  setShopHoldPolicy,
  variantKey,
  type HoldStore,
  type InventoryStore,
} from "@acme/platform-core";
import { DEMO_SHOP_ID } from "@acme/platform-core/demo";
import type { TestDatabase } from "@acme/platform-core/test-support";
import type { StripeEmulator } from "@acme/stripe-emulator";
import type { RunningNextApp } from "@acme/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { followPaymentLink } from "./follow-payment-link.ts";
import { startShopStack, type ShopStack } from "./start-shop-stack.ts";

// Denial of inventory (OWASP OAT-021) on the real stack: the shop and the CMS
// as production builds, PostgreSQL, the Stripe emulator. A bot posts carts
// straight to the checkout API, the way a script would: no browser, no
// cookies kept, each address the proxy's x-real-ip.

const SHOP = DEMO_SHOP_ID;
const DROP = { sku: "CMP-TEE-DROP", variantKey: variantKey({ color: "drop", size: "m" }) };
const UNOPENED_SECONDS = 120;

let stack: ShopStack;
let db: TestDatabase;
let store: InventoryStore;
let holds: HoldStore;
let emulator: StripeEmulator;
let cms: RunningNextApp;
let shop: RunningNextApp;

beforeAll(async () => {
  stack = await startShopStack({ shopEnv: { INVENTORY_HOLD_TTL_SECONDS: "1860" } });
  ({ db, store, holds, emulator, cms, shop } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

async function drop(quantity: number, purchaseLimit: number | null, policy: { holds: number; units: number }) {
  // A fresh drop each time: no holds, no ledger, no item left from the test before.
  await db.pool.query(`DELETE FROM "InventoryHold"`);
  await db.pool.query(`DELETE FROM "StockLedgerEntry" WHERE sku = $1`, [DROP.sku]);
  await db.pool.query(`DELETE FROM "InventoryItem" WHERE sku = $1`, [DROP.sku]);
  await store.upsertItems(
    SHOP,
    [
      {
        sku: DROP.sku,
        productId: "linen-tee",
        variantAttributes: { color: "drop", size: "m" },
        quantity,
        purchaseLimit,
      },
    ],
    {
      reason: "import",
      actor: "test",
    },
  );
  await setShopHoldPolicy({
    shopId: SHOP,
    policy: {
      maxActiveHoldsPerClient: policy.holds,
      maxHeldUnitsPerClient: policy.units,
      unopenedHoldSeconds: UNOPENED_SECONDS,
    },
    actor: "test",
    store: holds,
  });
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  cookie: string | null;
}

async function checkout(
  address: string,
  quantity: number,
  extra: { cookie?: string; idempotencyKey?: string } = {},
): Promise<Answer> {
  const response = await fetch(`${shop.url}/api/checkout-session`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-real-ip": address,
      ...(extra.cookie ? { cookie: extra.cookie } : {}),
    },
    body: JSON.stringify({
      lines: [{ ...DROP, quantity }],
      ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}),
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    body,
    retryAfter: response.headers.get("retry-after"),
    cookie: response.headers.get("set-cookie")?.split(";")[0] ?? null,
  };
}

/** Stock held for the buyer: the payment page is ready (200) or being prepared while Stripe is busy (202). */
const held = (answer: Answer) => answer.status === 200 || answer.status === 202;

/**
 * A buyer follows the payment link (the hold gets its full term) and pays on the emulator's page; the webhook sells it.
 */
async function pay(answer: Answer): Promise<void> {
  const reached = await followPaymentLink(shop.url, String(answer.body.url));
  expect(reached.location.startsWith(`${emulator.url}/checkout/`)).toBe(true);
  emulator.pay(reached.sessionId);
}

async function dropItem() {
  return (await store.getItem(SHOP, DROP))!;
}

describe("denial of inventory, on the real stack", () => {
  beforeEach(() => {
    expect(shop && cms).toBeTruthy();
  });

  it("one address: a bot's 300 parallel carts for a 100-unit drop hold at most its cap, and buyers from other addresses buy all the rest", async () => {
    await drop(100, null, { holds: 3, units: 6 });
    const BOT = "203.0.113.66";
    const started = Date.now();
    const bot = await Promise.all(Array.from({ length: 300 }, () => checkout(BOT, 2)));
    const botMs = Date.now() - started;
    const granted = bot.filter(held);
    const capped = bot.filter((answer) => answer.status === 429);
    expect(granted.length).toBe(3);
    expect(capped.length).toBe(297);
    for (const answer of capped) {
      expect(answer.body.code).toBe("rate_limited");
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(UNOPENED_SECONDS);
    }
    expect((await dropItem()).reserved).toBe(6);

    // 47 buyers, each from an address of their own, each two units: every one of them is served.
    const buyers = await Promise.all(Array.from({ length: 47 }, (_, i) => checkout(`198.51.100.${i + 1}`, 2)));
    expect(buyers.filter(held)).toHaveLength(47);
    for (const answer of buyers) await pay(answer);
    await emulator.idle();
    await expect.poll(async () => (await dropItem()).quantity, { timeout: 20_000 }).toBe(6);
    expect(await dropItem()).toMatchObject({ quantity: 6, reserved: 6, available: 0 });

    // The bot never opened its pages: its holds lapse after the unopened-hold time, and the last 6 units are back.
    const reaped = await releaseExpiredInventoryHolds({
      shopId: SHOP,
      now: new Date(Date.now() + (UNOPENED_SECONDS + 1) * 1000),
      store: holds,
    });
    expect(reaped).toBe(3);
    expect(await dropItem()).toMatchObject({ quantity: 6, reserved: 0, available: 6 });
    console.log(
      `[denial] one address: 300 carts in ${botMs} ms, 3 held (6 units, the cap), 297 refused 429; 47 buyers bought 94 units; the bot's 6 lapsed after ${UNOPENED_SECONDS} s unopened`,
    );
  });

  it("many addresses: a bot from 50 addresses is held to the purchase limit per address, and only for the unopened-hold time", async () => {
    await drop(200, 2, { holds: 10, units: 200 });
    const addresses = Array.from({ length: 50 }, (_, i) => `192.0.2.${i + 1}`);
    // Each address tries 6 carts of 2 and 6 carts of 1, all at once.
    const answers = await Promise.all(
      addresses.flatMap((address) => Array.from({ length: 12 }, (_, i) => checkout(address, i < 6 ? 2 : 1))),
    );
    const granted = answers.filter(held);
    const limited = answers.filter((answer) => answer.status === 422);
    // Every cart is held or refused for the limit: nothing else (a 503 would be the shop failing).
    expect(
      answers
        .filter((answer) => !held(answer) && answer.status !== 422)
        .map((answer) => [answer.status, answer.body.code, answer.body.message]),
    ).toEqual([]);
    for (const answer of limited) {
      expect(answer.body.code).toBe("purchase_limit_exceeded");
      expect(answer.body.message).toMatch(/limited to 2 per customer/);
      expect(answer.body.lines).toEqual([
        expect.objectContaining({ sku: DROP.sku, variantKey: DROP.variantKey, limit: 2 }),
      ]);
    }
    const item = await dropItem();
    // At most the limit per address: 50 × 2 of the 200.
    expect(item.reserved).toBeLessThanOrEqual(100);
    const { rows } = await db.pool.query<{ longest: number }>(
      `SELECT max(extract(epoch FROM ("expiresAt" - "createdAt")))::float AS longest FROM "InventoryHold" WHERE status = 'active'`,
    );
    expect(rows[0]!.longest).toBeLessThanOrEqual(UNOPENED_SECONDS);
    // Real buyers from other addresses get the other half.
    const buyers = await Promise.all(Array.from({ length: 50 }, (_, i) => checkout(`198.51.100.${100 + i}`, 2)));
    expect(buyers.filter(held)).toHaveLength(50);
    const reaped = await releaseExpiredInventoryHolds({
      shopId: SHOP,
      now: new Date(Date.now() + (UNOPENED_SECONDS + 1) * 1000),
      store: holds,
    });
    expect(reaped).toBe(granted.length + 50);
    console.log(
      `[denial] 50 addresses: ${granted.length} carts held ${item.reserved} of 200 units (limit 2 per address), ${limited.length} refused 422; ` +
        `each hold lapsed ${rows[0]!.longest.toFixed(0)} s after it was made (unopened-hold time ${UNOPENED_SECONDS} s)`,
    );
  });

  it("burst edges: a buyer retrying one cart 20 times at once is one checkout, never capped; a new cookie does not escape the address cap", async () => {
    await drop(50, null, { holds: 1, units: 10 });
    const BUYER = "198.51.100.200";
    const first = await checkout(BUYER, 1, { idempotencyKey: "cart-retry-0001" });
    expect(first.status).toBe(200);
    expect(first.cookie).toMatch(/^acme_buyer=/);
    const retries = await Promise.all(
      Array.from({ length: 20 }, () =>
        checkout(BUYER, 1, { idempotencyKey: "cart-retry-0001", cookie: first.cookie! }),
      ),
    );
    expect(retries.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(new Set(retries.map((answer) => answer.body.url))).toEqual(new Set([first.body.url]));
    // A returning buyer keeps their cookie: no new one is set.
    expect(retries.every((answer) => answer.cookie === null)).toBe(true);
    expect((await dropItem()).reserved).toBe(1);
    // A second cart from the same buyer is over the cap of one open checkout, and so is one with a fresh cookie from
    // the same address.
    const second = await checkout(BUYER, 1, { cookie: first.cookie! });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ code: "rate_limited", cap: "holds", limit: 1 });
    expect((await checkout(BUYER, 1)).status).toBe(429);
    // A cookie that was tampered with is replaced, never trusted.
    const forged = await checkout("198.51.100.201", 1, { cookie: `${first.cookie!.slice(0, -2)}xx` });
    expect(forged.status).toBe(200);
    expect(forged.cookie).toMatch(/^acme_buyer=/);
    expect(forged.cookie).not.toBe(first.cookie);
    expect((await dropItem()).reserved).toBe(2);
  });

  it("a checkout whose payment page is opened keeps its full term; a link that lapsed or was forged leads to a page that says so", async () => {
    await drop(10, null, { holds: 10, units: 100 });
    const opened = await checkout("198.51.100.210", 1);
    const unopened = await checkout("198.51.100.211", 1);
    await pay(opened);
    await emulator.idle();
    await expect.poll(async () => (await dropItem()).quantity, { timeout: 20_000 }).toBe(9);
    // The unopened one lapses; following its link afterwards is the lapsed page, not Stripe.
    expect(
      await releaseExpiredInventoryHolds({
        shopId: SHOP,
        now: new Date(Date.now() + (UNOPENED_SECONDS + 1) * 1000),
        store: holds,
      }),
    ).toBe(1);
    const late = await fetch(`${shop.url}${String(unopened.body.url)}`, { redirect: "manual" });
    expect(late.status).toBe(303);
    expect(late.headers.get("location")).toBe("/checkout/lapsed?reason=lapsed");
    const forged = await fetch(
      `${shop.url}/checkout/pay?t=${encodeURIComponent("eyJzIjoiY292ZXItbWUtcHJldHR5In0.AAAA")}`,
      { redirect: "manual" },
    );
    expect(forged.headers.get("location")).toBe("/checkout/lapsed?reason=invalid");
    const page = await fetch(`${shop.url}/checkout/lapsed?reason=lapsed`);
    expect(await page.text()).toMatch(/Your checkout timed out/);
  });
});
