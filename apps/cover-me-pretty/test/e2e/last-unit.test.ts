import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import {
  createPrismaHoldStore,
  createPrismaInventoryStore,
  DEMO_OPERATOR,
  DEMO_SHOP_ID,
  getInventoryHold,
  SECOND_DEMO_SHOP_ID,
  seedDemo,
  type InventoryStore,
} from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { freePort, launchChromium, startNextApp, type RunningNextApp } from "@acme/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The whole demo in Chromium: the seeded shops, the Stripe emulator, the CMS
// and the shop as production builds, on a real PostgreSQL. Two buyers want the
// last coral linen tee in M (the demo seed has exactly one).

const SHOP_DIR = fileURLToPath(new URL("../..", import.meta.url));
const CMS_DIR = fileURLToPath(new URL("../../../cms", import.meta.url));
const LAST = { sku: "CMP-TEE-CORAL", variantKey: "color=coral|size=m" };
const TOTE = { sku: "CMP-TOTE", variantKey: "" };

const secrets = {
  cron: `cron-${randomBytes(12).toString("hex")}`,
  authority: `authority-${randomBytes(12).toString("hex")}`,
  webhook: `whsec_${randomBytes(12).toString("hex")}`,
  session: randomBytes(32).toString("hex"),
};

let db: TestDatabase;
let store: InventoryStore;
let emulator: StripeEmulator;
let cms: RunningNextApp;
let shop: RunningNextApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  store = createPrismaInventoryStore(db);
  const seeded = await seedDemo({ store, database: db });
  expect(seeded.seededShops).toEqual([DEMO_SHOP_ID, SECOND_DEMO_SHOP_ID]);

  const cmsPort = await freePort();
  emulator = await startStripeEmulator({ webhookSecret: secrets.webhook, webhookUrl: `http://127.0.0.1:${cmsPort}/api/stripe/webhook` });
  const common = { DATABASE_URL: db.url, INVENTORY_BACKEND: "prisma", STRIPE_API_BASE_URL: emulator.url, STRIPE_WEBHOOK_SECRET: secrets.webhook };
  [cms, shop, browser] = await Promise.all([
    startNextApp({
      appDir: CMS_DIR,
      port: cmsPort,
      env: { ...common, CRON_SECRET: secrets.cron, INVENTORY_AUTHORITY_TOKEN: secrets.authority, CMS_SESSION_SECRET: secrets.session },
    }),
    startNextApp({ appDir: SHOP_DIR, env: { ...common, SHOP_ID: DEMO_SHOP_ID, INVENTORY_MODE: "reserve_ttl", INVENTORY_HOLD_TTL_SECONDS: "60" } }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await Promise.all([shop?.stop(), cms?.stop()]);
  await emulator?.stop();
  await db?.destroy();
});

async function buyer(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

function variantRow(page: Page, ref: { sku: string; variantKey: string }) {
  return page.locator(`[data-sku="${ref.sku}"][data-variant-key="${ref.variantKey}"]`);
}

/** Product page → pick the variant → add to cart → cart page. */
async function addToCart(page: Page, productId: string, ref: { sku: string; variantKey: string }, quantity = 1): Promise<void> {
  await page.goto(`${shop.url}/products/${productId}`);
  await variantRow(page, ref).click();
  await page.getByLabel("Quantity").fill(String(quantity));
  await page.getByRole("button", { name: "Add to cart" }).click();
  await page.waitForURL(`${shop.url}/cart`);
  await expect.poll(() => variantRow(page, ref).count()).toBe(1);
}

async function item(shopId: string, ref: { sku: string; variantKey: string }) {
  const found = await store.getItem(shopId, ref);
  if (!found) throw new Error(`no ${ref.sku} in ${shopId}`);
  return found;
}

/** A grid cell by its column header, so the test does not depend on column order. */
async function gridValue(page: Page, ref: { sku: string; variantKey: string }, header: RegExp): Promise<string> {
  const headers = await page.locator("table thead th").allInnerTexts();
  const index = headers.findIndex((text) => header.test(text.trim()));
  expect(index, `column ${header} in ${headers.join(" | ")}`).toBeGreaterThanOrEqual(0);
  return (await variantRow(page, ref).locator("td").nth(index).innerText()).trim();
}

describe("the demo, end to end", () => {
  it("two buyers want the last unit: the first holds and pays, the webhook sells it, the CMS shows it, the second is told it sold out", async () => {
    const first = await buyer();
    const second = await buyer();

    // Both see the last unit and put it in their carts.
    for (const page of [first, second]) {
      await page.goto(`${shop.url}/products/linen-tee`);
      await expect.poll(() => variantRow(page, LAST).innerText()).toMatch(/Only 1 left/);
      await addToCart(page, "linen-tee", LAST);
    }

    // The first buyer checks out: the unit is held and they land on the payment page.
    await first.getByRole("button", { name: "Checkout" }).click();
    await first.waitForURL((url) => url.href.startsWith(`${emulator.url}/checkout/`));
    expect(await item(DEMO_SHOP_ID, LAST)).toMatchObject({ quantity: 1, reserved: 1, available: 0 });

    // The second buyer is told, by name, that it sold out; nothing is held for them.
    await second.getByRole("button", { name: "Checkout" }).click();
    const problem = second.locator(".alert.error");
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Linen tee \(coral \/ m\) sold out/);
    expect(emulator.sessions()).toHaveLength(1);
    await second.goto(`${shop.url}/products/linen-tee`);
    expect(await variantRow(second, LAST).innerText()).toMatch(/Sold out/);
    expect(await variantRow(second, LAST).locator("input").isDisabled()).toBe(true);

    // The first buyer pays on the emulator's hosted page; the signed webhook commits the hold.
    await first.getByRole("button", { name: "Pay", exact: true }).click();
    await first.waitForURL((url) => url.href.startsWith(`${shop.url}/checkout/success`));
    expect(await first.locator("h1").innerText()).toBe("Thank you!");
    await emulator.idle();
    const delivered = emulator.deliveries().filter((attempt) => attempt.ok);
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    expect(await item(DEMO_SHOP_ID, LAST)).toMatchObject({ quantity: 0, reserved: 0, available: 0 });
    // The cart was emptied on the success page.
    await first.goto(`${shop.url}/cart`);
    expect(await first.locator("main").innerText()).toMatch(/Your cart is empty/);

    // The other shop's twin sku never moved.
    expect(await item(SECOND_DEMO_SHOP_ID, LAST)).toMatchObject({ quantity: 50, reserved: 0 });

    // The operator sees it in the CMS: stock down, and the ledger says sale.
    const operator = await buyer();
    await operator.goto(`${cms.url}/login`);
    await operator.locator('input[name="email"]').fill(DEMO_OPERATOR.email);
    await operator.locator('input[name="password"]').fill(DEMO_OPERATOR.password);
    await operator.getByRole("button", { name: "Sign in" }).click();
    await operator.waitForURL((url) => !url.pathname.startsWith("/login"));
    await operator.goto(`${cms.url}/cms/shop/${DEMO_SHOP_ID}/data/inventory`);
    await variantRow(operator, LAST).waitFor();
    expect(await gridValue(operator, LAST, /^quantity/i)).toBe("0");
    expect(await gridValue(operator, LAST, /^reserved/i)).toBe("0");
    expect(await gridValue(operator, LAST, /^available/i)).toBe("0");
    await operator.goto(
      `${cms.url}/cms/shop/${DEMO_SHOP_ID}/data/inventory/history?sku=${encodeURIComponent(LAST.sku)}&variantKey=${encodeURIComponent(LAST.variantKey)}`,
    );
    const newest = operator.locator("table tbody tr").first();
    await newest.waitFor();
    expect(await newest.innerText()).toMatch(/\bsale\b/);
    expect(await newest.innerText()).toMatch(/[-−]1/);
    const ledger = await store.listLedger(DEMO_SHOP_ID, LAST);
    expect(ledger.map((entry) => [entry.reason, entry.delta])).toEqual([
      ["sale", -1],
      ["import", 1],
    ]);
  });

  it("a buyer who abandons checkout has their hold released once it expires, by the reaper", async () => {
    const third = await buyer();
    await addToCart(third, "canvas-tote", TOTE, 2);
    await third.getByRole("button", { name: "Checkout" }).click();
    await third.waitForURL((url) => url.href.startsWith(`${emulator.url}/checkout/`));
    const sessionId = new URL(third.url()).pathname.split("/").at(-1)!;
    const holdId = emulator.session(sessionId).metadata.inventory_reservation_id!;
    expect(holdId).toBeTruthy();
    expect(await item(DEMO_SHOP_ID, TOTE)).toMatchObject({ quantity: 40, reserved: 2 });

    // They leave: Stripe's Cancel only returns them to the shop; the hold stays until it expires.
    await third.getByRole("button", { name: "Cancel" }).click();
    await third.waitForURL(`${shop.url}/checkout/cancel`);
    expect(await item(DEMO_SHOP_ID, TOTE)).toMatchObject({ reserved: 2 });

    // A reaper run before expiry leaves the hold alone.
    const cron = () => fetch(`${cms.url}/api/cron/release-expired-holds`, { headers: { authorization: `Bearer ${secrets.cron}` } });
    const early = await cron();
    expect(early.status).toBe(200);
    expect(((await early.json()) as { released: number }).released).toBe(0);

    // Time passes: the hold's 36 minutes (31-minute session + 5-minute grace) are up. Rather than
    // wait, its expiry is moved into the past in the database: the CMS's own clock then finds it due.
    await db.pool.query(`UPDATE "InventoryHold" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [holdId]);
    const response = await cron();
    expect(response.status).toBe(200);
    const reaped = (await response.json()) as { released: number; shops: Array<{ shopId: string; released: number }> };
    expect(reaped.released).toBe(1);
    expect(reaped.shops).toContainEqual(expect.objectContaining({ shopId: DEMO_SHOP_ID, released: 1 }));
    expect(await item(DEMO_SHOP_ID, TOTE)).toMatchObject({ quantity: 40, reserved: 0, available: 40 });
    const hold = await getInventoryHold({ shopId: DEMO_SHOP_ID, holdId, store: createPrismaHoldStore(db) });
    expect(hold?.status).toBe("expired");

    // Stripe's own expiry of the session arrives later and changes nothing.
    emulator.expire(sessionId);
    await emulator.idle();
    expect(emulator.deliveries().filter((attempt) => !attempt.ok)).toEqual([]);
    expect(await item(DEMO_SHOP_ID, TOTE)).toMatchObject({ quantity: 40, reserved: 0 });
    expect((await store.listLedger(DEMO_SHOP_ID, TOTE)).map((entry) => entry.reason)).toEqual(["import"]);
  });
});

describe("the checkout-session route", () => {
  const post = (body: unknown) =>
    fetch(`${shop.url}/api/checkout-session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("answers 400 with field errors for a bad body or a variant the shop does not sell", async () => {
    const bad = await post({ lines: [{ sku: "", quantity: 0 }] });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; errors: Array<{ field: string }> };
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((error) => error.field).sort()).toEqual(["lines.0.quantity", "lines.0.sku"]);
    expect((await post("not json")).status).toBe(400);
    expect((await post({ lines: [] })).status).toBe(400);
    // bcd-shop's mug is not this shop's.
    const foreign = await post({ lines: [{ sku: "BCD-MUG", variantKey: "", quantity: 1 }] });
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { errors: unknown[] }).errors).toEqual([{ field: "lines.0.sku", message: "is not sold in this shop" }]);
  });

  it("answers 409 naming each short line, and holds nothing", async () => {
    const before = emulator.sessions().length;
    const toteBefore = await item(DEMO_SHOP_ID, TOTE);
    const response = await post({
      lines: [
        { sku: "CMP-SCARF-MOSS", variantKey: "color=moss", quantity: 1 },
        { sku: "CMP-SLIP-SAND", variantKey: "color=sand|size=xs", quantity: 3 },
        { sku: "CMP-TOTE", variantKey: "", quantity: 1 },
      ],
    });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { code: string; items: Array<{ name: string; requested: number; available: number }> };
    expect(body.code).toBe("inventory_insufficient");
    expect(body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "Wool scarf (moss)", requested: 1, available: 0 }),
        expect.objectContaining({ name: "Silk slip dress (sand / xs)", requested: 3, available: 2 }),
      ]),
    );
    expect(body.items).toHaveLength(2);
    expect(emulator.sessions()).toHaveLength(before);
    expect(await item(DEMO_SHOP_ID, TOTE)).toMatchObject({ reserved: toteBefore.reserved, version: toteBefore.version });
  });

  it("in validate_only mode (INVENTORY_MODE) checks stock without holding it, and the paid webhook sells the lines", async () => {
    const validateOnly = await startNextApp({
      appDir: SHOP_DIR,
      env: { DATABASE_URL: db.url, STRIPE_API_BASE_URL: emulator.url, SHOP_ID: DEMO_SHOP_ID, INVENTORY_MODE: "validate_only" },
    });
    try {
      const scarf = { sku: "CMP-SCARF-RUST", variantKey: "color=rust" };
      const before = await item(DEMO_SHOP_ID, scarf);
      const response = await fetch(`${validateOnly.url}/api/checkout-session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ lines: [{ ...scarf, quantity: 2 }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { sessionId: string; inventoryMode: string; holdExpiresAt?: string };
      expect(body.inventoryMode).toBe("validate_only");
      expect(body.holdExpiresAt).toBeUndefined();
      expect(await item(DEMO_SHOP_ID, scarf)).toMatchObject({ quantity: before.quantity, reserved: before.reserved });
      emulator.pay(body.sessionId);
      await emulator.idle();
      expect(await item(DEMO_SHOP_ID, scarf)).toMatchObject({ quantity: before.quantity - 2, reserved: before.reserved });
      expect((await store.listLedger(DEMO_SHOP_ID, { ...scarf, limit: 1 }))[0]).toMatchObject({ reason: "sale", delta: -2 });
    } finally {
      await validateOnly.stop();
    }
  });
});
