import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPrismaInventoryStore, variantKey, type InventoryStore } from "@acme/platform-core";
import { DEMO_OPERATOR, DEMO_SHOP_ID, SECOND_DEMO_SHOP_ID, seedDemo } from "@acme/platform-core/demo";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { freePort, launchChromium, startNextApp, type RunningNextApp } from "@acme/testkit";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// bcd-shop in Chromium on the real stack: a fresh database with the demo
// seeded, the Stripe emulator, and the CMS and this shop as production
// builds (the emulator's webhooks go to the CMS, which serves every shop).
// A buyer takes bcd-shop's only field cap and a coral tee, a sku
// cover-me-pretty sells too from its own stock; a second buyer who wanted
// the cap is told it sold out.

const SHOP_DIR = fileURLToPath(new URL("../..", import.meta.url));
const CMS_DIR = fileURLToPath(new URL("../../../cms", import.meta.url));
const SCREENSHOTS = path.join(SHOP_DIR, "test-results", "screenshots");
const CAP = { sku: "BCD-CAP", variantKey: variantKey({ color: "Navy" }) };
const TEE = { sku: "CMP-TEE-CORAL", variantKey: variantKey({ color: "Coral", size: "M" }) };

let db: TestDatabase;
let store: InventoryStore;
let emulator: StripeEmulator;
let cms: RunningNextApp;
let shop: RunningNextApp;
let browser: Browser;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  store = createPrismaInventoryStore(db);
  expect((await seedDemo({ store, database: db })).seededShops).toContain(SECOND_DEMO_SHOP_ID);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const webhookSecret = `whsec_${randomBytes(12).toString("hex")}`;
  const cmsPort = await freePort();
  emulator = await startStripeEmulator({ webhookSecret, webhookUrl: `http://127.0.0.1:${cmsPort}/api/stripe/webhook` });
  const common = {
    DATABASE_URL: db.url,
    INVENTORY_BACKEND: "prisma",
    STRIPE_API_BASE_URL: emulator.url,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
  };
  [cms, shop, browser] = await Promise.all([
    startNextApp({
      appDir: CMS_DIR,
      port: cmsPort,
      env: {
        ...common,
        CRON_SECRET: randomBytes(12).toString("hex"),
        INVENTORY_AUTHORITY_TOKEN: randomBytes(12).toString("hex"),
        CMS_SESSION_SECRET: randomBytes(32).toString("hex"),
      },
    }),
    // No SHOP_ID: the app's own default is bcd-shop.
    startNextApp({
      appDir: SHOP_DIR,
      env: { ...common, SHOP_CLIENT_SECRET: randomBytes(32).toString("hex"), INVENTORY_MODE: "reserve_ttl" },
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([shop?.stop(), cms?.stop()]);
  await emulator?.stop();
  await db?.destroy();
});

const row = (page: Page, ref: { sku: string; variantKey: string }) =>
  page.locator(`[data-sku="${ref.sku}"][data-variant-key="${ref.variantKey}"]`);

async function item(shopId: string, ref: { sku: string; variantKey: string }) {
  const found = await store.getItem(shopId, ref);
  if (!found) throw new Error(`no ${ref.sku} in ${shopId}`);
  return found;
}

/** Product page → pick the variant → add to cart → the cart shows the line. */
async function addToCart(page: Page, productId: string, ref: { sku: string; variantKey: string }): Promise<void> {
  await page.goto(`${shop.url}/products/${productId}`);
  await row(page, ref).click();
  await page.getByRole("button", { name: "Add to cart" }).click();
  await page.waitForURL(`${shop.url}/cart`);
  await expect.poll(() => row(page, ref).count()).toBe(1);
}

/** The reasons in a variant's stock history in the CMS, newest first. */
async function historyReasons(
  operator: Page,
  shopId: string,
  ref: { sku: string; variantKey: string },
): Promise<string[]> {
  await operator.goto(
    `${cms.url}/cms/shop/${shopId}/data/inventory/history?sku=${encodeURIComponent(ref.sku)}&variantKey=${encodeURIComponent(ref.variantKey)}`,
  );
  await operator.locator("table tbody tr").first().waitFor();
  return operator
    .locator("table tbody tr[data-reason]")
    .evaluateAll((rows) => rows.map((entry) => entry.getAttribute("data-reason") ?? ""));
}

describe("bcd-shop, end to end", () => {
  it("a buyer takes the last field cap while a second is told it sold out: the webhook sells it, the shop shows it sold out, and the CMS shows the sale under bcd-shop only", async () => {
    const page = await (await browser.newContext()).newPage();

    // The shop's own index: its catalogue, in its currency, from its stock.
    await page.goto(shop.url);
    expect(await page.locator("header .logo").innerText()).toMatch(/BCD\s+Field Supply/i);
    const capEntry = page.locator('[data-product-id="field-cap"]');
    expect(await capEntry.innerText()).toMatch(/Six-panel field cap[\s\S]*€34\.00[\s\S]*Last 1/i);
    expect(await page.locator('[data-product-id="linen-tee"]').innerText()).toMatch(/Camp linen tee[\s\S]*€42\.00/i);

    await addToCart(page, "field-cap", CAP);
    await addToCart(page, "linen-tee", TEE);
    // A second buyer has the same cap in a cart page drawn while it was still there.
    const late = await (await browser.newContext()).newPage();
    await addToCart(late, "field-cap", CAP);
    expect(await page.locator("[data-cart-units]").getAttribute("data-cart-units")).toBe("2");
    expect(await page.locator("[data-total]").innerText()).toBe("€76.00");

    // Checkout holds both lines and sends the buyer to the payment page.
    await page.getByRole("button", { name: "Checkout" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${emulator.url}/checkout/`));
    expect(await item(SECOND_DEMO_SHOP_ID, CAP)).toMatchObject({ quantity: 1, reserved: 1, available: 0 });
    const [session] = emulator.sessions();
    expect(session?.metadata.shop_id).toBe(SECOND_DEMO_SHOP_ID);
    expect(session?.currency).toBe("eur");

    // The second buyer is told, by name, that it sold out; nothing is held for them.
    await late.getByRole("button", { name: "Checkout" }).click();
    const problem = late.locator(".checkout [role=alert]");
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Six-panel field cap \(Navy\) sold out/);
    expect(emulator.sessions()).toHaveLength(1);
    await expect.poll(() => row(late, CAP).getAttribute("data-status")).toBe("sold_out");
    expect(await late.getByRole("button", { name: "Checkout" }).isDisabled()).toBe(true);

    // They pay; Stripe returns them to this shop, and the signed webhook sells the hold.
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(`${shop.url}/checkout/success`));
    expect(await page.locator("h1").innerText()).toMatch(/Thank you/i);
    await expect.poll(() => page.locator("[data-cart-units]").getAttribute("data-cart-units")).toBe("0");
    await emulator.idle();
    expect(emulator.deliveries().filter((attempt) => !attempt.ok)).toEqual([]);
    expect(await item(SECOND_DEMO_SHOP_ID, CAP)).toMatchObject({ quantity: 0, reserved: 0, available: 0 });
    expect(await item(SECOND_DEMO_SHOP_ID, TEE)).toMatchObject({ quantity: 49, reserved: 0 });
    // cover-me-pretty's twin of the tee never moved.
    expect(await item(DEMO_SHOP_ID, TEE)).toMatchObject({ quantity: 1, reserved: 0 });

    // The shop now shows the cap sold out, on its index and on its page.
    await page.goto(shop.url);
    expect(await capEntry.innerText()).toMatch(/Sold out/i);
    await page.goto(`${shop.url}/products/field-cap`);
    expect(await row(page, CAP).innerText()).toMatch(/Sold out/i);
    expect(await row(page, CAP).locator("input").isDisabled()).toBe(true);
    expect(await page.locator("form.buy button[type=submit]").isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, "product-sold-out.png"), fullPage: true });

    // The operator sees the sale in bcd-shop's stock and history, and none in cover-me-pretty's.
    const operator = await (await browser.newContext()).newPage();
    await operator.goto(`${cms.url}/login`);
    await operator.locator('input[name="email"]').fill(DEMO_OPERATOR.email);
    await operator.locator('input[name="password"]').fill(DEMO_OPERATOR.password);
    await operator.getByRole("button", { name: "Sign in" }).click();
    await operator.waitForURL((url) => !url.pathname.startsWith("/login"));

    await operator.goto(`${cms.url}/cms/shop/${SECOND_DEMO_SHOP_ID}/data/inventory`);
    const capRow = row(operator, CAP);
    await capRow.waitFor();
    const headers = (await operator.locator("table thead th").allInnerTexts()).map((text) => text.trim());
    const cell = async (name: RegExp) =>
      (
        await capRow
          .locator("td")
          .nth(headers.findIndex((text) => name.test(text)))
          .innerText()
      ).trim();
    expect(await cell(/^quantity/i)).toBe("0");
    expect(await cell(/^available/i)).toBe("0");

    expect(await historyReasons(operator, SECOND_DEMO_SHOP_ID, CAP)).toEqual(["sale", "import"]);
    expect((await operator.locator("table tbody tr").first().innerText()).replace("−", "-")).toMatch(/-1/);
    expect(await historyReasons(operator, SECOND_DEMO_SHOP_ID, TEE)).toEqual(["sale", "import"]);
    expect(await historyReasons(operator, DEMO_SHOP_ID, TEE)).toEqual(["import"]);
    expect(await historyReasons(operator, DEMO_SHOP_ID, CAP)).toEqual([]);
    expect(await operator.locator("main").innerText()).toMatch(/does not exist/);
  });
});
