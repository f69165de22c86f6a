import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  DEFAULT_HOLD_POLICY,
  getShopHoldPolicy,
  identifyHoldClient,
  type InventoryStore,
} from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { launchChromium } from "@acme/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { CMS_DIR, createTestOperator, signIn, startCmsForTest, type TestCms } from "../support/cms-test-server.ts";

/**
 * The operator UI end to end: the CMS production build on a real PostgreSQL,
 * driven by Debian's Chromium. Screenshots of the main pages land in
 * apps/cms/test-results/ (git-ignored) for a human to look at.
 */

const SHOP = "shop-a";
const BIG_SHOP = "big-shop";
const PASSWORD = "correct horse battery staple";
const EDITOR = "editor@example.com";
const VIEWER = "viewer@example.com";
/** Admins set a shop's hold policy (editors and viewers read it). */
const ADMIN = "admin@example.com";
/** Keys the test's client hashes; the CMS only shows the hashes, so it need not know it. */
const CLIENT_SECRET = "e2e-client-secret-0123456789abcdef";
const SHOTS = path.join(CMS_DIR, "test-results");
/** The Checkout Session of the test's hold, and where the CMS is told session pages live. */
const SESSION_ID = "cs_test_e2e_cap";
const SESSION_URL = "https://stripe.example/checkout/{id}";

let database: TestDatabase;
let store: InventoryStore;
let cms: TestCms;
let browser: Browser;
let editor: BrowserContext;
let heldId: string;

/**
 * The whole page; `fullPage: false` for the window only (a page listing thousands of rows is tens of thousands of
 * pixels tall).
 */
async function shot(page: Page, name: string, { fullPage = true } = {}) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

async function signInPage(context: BrowserContext, email: string, target: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${cms.url}${target}`);
  // Anonymous: sent to sign in, then back to the page asked for.
  await page.waitForURL(/\/login\?next=/);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${cms.url}${target}`);
  return page;
}

const row = (page: Page, sku: string, variantKey: string) =>
  page.locator(`tr[data-sku="${sku}"][data-variant-key="${variantKey}"]`);

/** The text of a grid cell by column header, for one row. */
async function cell(page: Page, sku: string, variantKey: string, column: string): Promise<string> {
  const headers = await page.locator(".stock-table thead th").allInnerTexts();
  const index = headers.findIndex((text) => text.replace(/[▲▼]/g, "").trim() === column);
  expect(index, `column ${column}`).toBeGreaterThanOrEqual(0);
  return (await row(page, sku, variantKey).locator("td").nth(index).innerText()).trim();
}

async function quantityOf(sku: string, variantKey: string): Promise<number | undefined> {
  return (await store.getItem(SHOP, { sku, variantKey }))?.quantity;
}

async function uploadFile(page: Page, name: string, content: string) {
  await page.setInputFiles('input[name="file"]', {
    name,
    mimeType: name.endsWith(".json") ? "application/json" : "text/csv",
    buffer: Buffer.from(content),
  });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  database = await createTestDatabase();
  store = createPrismaInventoryStore(database);
  await store.upsertItems(
    SHOP,
    [
      // Titled as an import or the seed sets them; MUG-1 has none and shows its product id.
      {
        sku: "TEE-1",
        productId: "tee",
        productTitle: "Linen tee",
        variantTitle: "Small",
        variantAttributes: { size: "S" },
        quantity: 12,
        lowStockThreshold: 3,
      },
      {
        sku: "TEE-1",
        productId: "tee",
        productTitle: "Linen tee",
        variantAttributes: { size: "M" },
        quantity: 5,
        lowStockThreshold: 3,
      },
      {
        sku: "TEE-1",
        productId: "tee",
        productTitle: "Linen tee",
        variantAttributes: { size: "L" },
        quantity: 2,
        lowStockThreshold: 3,
      },
      { sku: "MUG-1", productId: "mug", quantity: 0, lowStockThreshold: 2 },
      { sku: "CAP-1", productId: "cap", productTitle: "Field cap", variantAttributes: { color: "Red" }, quantity: 8 },
    ],
    { reason: "import", actor: "seed" },
  );
  const holds = createPrismaHoldStore(database);
  heldId = (
    await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "CAP-1", variantAttributes: { color: "Red" }, quantity: 3 }],
      ttlSeconds: 1200,
      store: holds,
    })
  ).holdId;
  await holds.attachCheckoutSession({ shopId: SHOP, holdId: heldId, checkoutSessionId: SESSION_ID });
  await database.pool.query(
    `INSERT INTO "StockAlertState" ("shopId", sku, "variantKey", "lastAlertedAt", "lastAvailable", "updatedAt") VALUES ($1, 'TEE-1', 'size=l', now(), 2, now())`,
    [SHOP],
  );
  // A shop of 10,000 variants: the grid must stay quick (paged and sorted by the database).
  await store.upsertItems(
    BIG_SHOP,
    Array.from({ length: 10_000 }, (_, i) => ({
      sku: `BIG-${String(i).padStart(5, "0")}`,
      productId: `product-${i % 250}`,
      variantAttributes: { size: ["S", "M", "L", "XL"][i % 4]! },
      quantity: i % 97,
      lowStockThreshold: 5,
    })),
    { reason: "import", actor: "seed" },
  );
  await createTestOperator({
    databaseUrl: database.url,
    email: EDITOR,
    password: PASSWORD,
    role: "editor",
    shops: [SHOP, BIG_SHOP],
  });
  await createTestOperator({
    databaseUrl: database.url,
    email: VIEWER,
    password: PASSWORD,
    role: "viewer",
    shops: [SHOP],
  });
  await createTestOperator({ databaseUrl: database.url, email: ADMIN, password: PASSWORD, role: "admin" });
  cms = await startCmsForTest({ databaseUrl: database.url, env: { CMS_STRIPE_SESSION_URL: SESSION_URL } });
  browser = await launchChromium();
  editor = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
}, 180_000);

afterAll(async () => {
  await editor?.close();
  await browser?.close();
  await cms?.stop();
  await store?.close().catch(() => {});
  await database?.destroy();
});

describe("operator UI (Chromium, production build, PostgreSQL)", () => {
  it("signs in, edits a quantity with a reason, and shows the ledger entry", async () => {
    const page = await signInPage(editor, EDITOR, `/cms/shop/${SHOP}/data/inventory`);
    await shot(page, "home-after-sign-in-grid");
    expect(await cell(page, "TEE-1", "size=m", "Quantity")).toBe("5");
    expect(await cell(page, "CAP-1", "color=red", "Reserved")).toBe("3");
    expect(await cell(page, "CAP-1", "color=red", "Available")).toBe("5");

    await row(page, "TEE-1", "size=m").getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Quantity of TEE-1").fill("9");
    // No reason: refused in the form, nothing sent.
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.locator(".edit-form .error-box").innerText()).toContain("reason");
    await page.selectOption('select[name="reason"]', "restock");
    await page.fill('input[name="note"]', "delivery 42");
    await shot(page, "grid-inline-edit");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.locator(".success-box").innerText()).toContain("quantity 5 → 9");
    expect(await cell(page, "TEE-1", "size=m", "Quantity")).toBe("9");
    expect(await quantityOf("TEE-1", "size=m")).toBe(9);

    await row(page, "TEE-1", "size=m").getByRole("link", { name: "History" }).click();
    await page.waitForURL(/\/data\/inventory\/history\?/);
    const newest = page.locator(".ledger-table tbody tr").first();
    await expect.poll(() => newest.innerText()).toContain("restock");
    const text = await newest.innerText();
    expect(text).toContain("+4");
    expect(text).toContain("delivery 42");
    expect(text).toContain(EDITOR);
    expect(await page.locator(".ledger-table tbody tr").count()).toBe(2); // the seed import, then the edit
    await shot(page, "variant-history");
    await page.close();
  });

  it("edits the low-stock threshold (no ledger entry for a threshold)", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/inventory`);
    await row(page, "CAP-1", "color=red").getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Low-stock threshold of CAP-1").fill("6");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.locator(".success-box").innerText()).toContain("threshold — → 6");
    expect((await store.getItem(SHOP, { sku: "CAP-1", variantKey: "color=red" }))?.lowStockThreshold).toBe(6);
    // 5 available at a threshold of 6: the filter counts follow without a reload.
    await expect.poll(() => page.getByRole("button", { name: /^Low stock/ }).innerText()).toBe("Low stock 2");
    await page.close();
  });

  it("edits the limit per buyer inline (no ledger entry), refuses a bad one in the form and from the API, changing nothing", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/inventory`);
    expect(await cell(page, "TEE-1", "size=m", "Limit per buyer")).toBe("—");
    const ledgerBefore = await store.listLedger(SHOP, { limit: 1000 });
    const before = (await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" }))!;

    // Refused in the form, nothing sent.
    await row(page, "TEE-1", "size=m").getByRole("button", { name: "Edit" }).click();
    const limit = page.getByLabel("Limit per buyer of TEE-1");
    await limit.fill("0");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => page.locator(".edit-form .error-box").innerText())
      .toContain("purchaseLimit: must be a whole number, 1 or more, or empty for no limit");
    expect(await limit.getAttribute("class")).toContain("invalid");
    await limit.fill("9".repeat(400));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => page.locator(".edit-form .error-box").innerText())
      .toContain("purchaseLimit: must be at most 1,000,000,000");
    expect(await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" })).toEqual(before);

    await limit.fill(" 2 ");
    await shot(page, "grid-limit-per-buyer-edit");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.locator(".success-box").innerText()).toContain("limit per buyer — → 2");
    expect(await cell(page, "TEE-1", "size=m", "Limit per buyer")).toBe("2");
    expect(await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" })).toMatchObject({
      purchaseLimit: 2,
      quantity: before.quantity,
      version: before.version + 1,
    });
    expect(await store.listLedger(SHOP, { limit: 1000 })).toEqual(ledgerBefore);
    // The grid sorts by it: limited variants first.
    await page.getByRole("button", { name: "Limit per buyer" }).click();
    await expect.poll(() => page.locator("tbody tr[data-sku]").first().getAttribute("data-variant-key")).toBe("size=m");
    await shot(page, "grid-limit-per-buyer");

    // Straight to the API: each hostile value is a 400 naming purchaseLimit, and nothing changes.
    const client = await signIn(cms, EDITOR, PASSWORD);
    const limited = (await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" }))!;
    for (const raw of [
      "0",
      "-1",
      "1.5",
      '"2"',
      '""',
      "true",
      "[2]",
      "1000000001",
      "1e400",
      "9007199254740993",
      JSON.stringify("9".repeat(5000)),
    ]) {
      const response = await client.request(`/api/shops/${SHOP}/inventory`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: `{"sku":"TEE-1","variantKey":"size=m","expectedVersion":${limited.version},"purchaseLimit":${raw}}`,
      });
      expect(response.status, `purchaseLimit ${raw.slice(0, 40)}`).toBe(400);
      const body = (await response.json()) as { code: string; errors: Array<{ field: string; message: string }> };
      expect(body.code).toBe("validation_failed");
      expect(body.errors.map((e) => e.field)).toContain("purchaseLimit");
    }
    expect(await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" })).toEqual(limited);
    await page.close();
  });

  it("names variants by their titles with the SKU beside them, finds them by title, and lets an editor rename one", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/inventory`);
    expect(await cell(page, "TEE-1", "size=s", "Product")).toMatch(/^Linen tee\s+Small$/);
    expect(await cell(page, "TEE-1", "size=m", "Product")).toMatch(/^Linen tee\s+M$/);
    expect(await cell(page, "MUG-1", "", "Product")).toBe("mug");
    expect(await cell(page, "TEE-1", "size=m", "SKU")).toBe("TEE-1");
    await page.getByLabel("Search").fill("linen");
    await expect
      .poll(() => page.locator("tbody tr[data-sku]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-sku"))))
      .toEqual(["TEE-1", "TEE-1", "TEE-1"]);
    await page.getByLabel("Search").fill("");
    await expect.poll(() => page.locator("tbody tr[data-sku]").count()).toBe(5);

    const version = Number(await row(page, "CAP-1", "color=red").getAttribute("data-version"));
    await row(page, "CAP-1", "color=red").getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Product title").fill("Field cap, waxed cotton");
    await page.getByLabel("Variant title").fill("  Brick   red ");
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => page.locator(".success-box").innerText())
      .toContain("Saved Field cap, waxed cotton — Brick red (CAP-1): renamed from Field cap — Red");
    expect(await store.getItem(SHOP, { sku: "CAP-1", variantKey: "color=red" })).toMatchObject({
      productTitle: "Field cap, waxed cotton",
      variantTitle: "Brick red",
      version: version + 1,
    });
    expect(await cell(page, "CAP-1", "color=red", "Product")).toMatch(/^Field cap, waxed cotton\s+Brick red$/);
    // A title over the limit or with a control character is refused with the field named, and nothing changes.
    const client = await signIn(cms, EDITOR, PASSWORD);
    const renamed = (await store.getItem(SHOP, { sku: "CAP-1", variantKey: "color=red" }))!;
    const bad = await client.request(`/api/shops/${SHOP}/inventory`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sku: "CAP-1",
        variantKey: "color=red",
        expectedVersion: renamed.version,
        productTitle: "x".repeat(201),
        variantTitle: "a\u0007b",
      }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort()).toEqual([
      "productTitle",
      "variantTitle",
    ]);
    expect(await store.getItem(SHOP, { sku: "CAP-1", variantKey: "color=red" })).toEqual(renamed);
    // Back to the seeded names for the tests that follow.
    await store.updateItem({
      shopId: SHOP,
      sku: "CAP-1",
      variantKey: "color=red",
      productTitle: "Field cap",
      variantTitle: "",
      actor: "test",
    });
    await page.close();
  });

  it("shows a concurrent edit as a conflict with the current values and never overwrites it silently", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/inventory`);
    await row(page, "TEE-1", "size=s").getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Quantity of TEE-1").fill("20");
    await page.selectOption('select[name="reason"]', "correction");
    // Another operator saves first.
    await store.setQuantity({
      shopId: SHOP,
      sku: "TEE-1",
      variantKey: "size=s",
      quantity: 7,
      reason: "correction",
      actor: "other@example.com",
    });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const conflict = page.locator(".conflict-box");
    await expect.poll(() => conflict.innerText()).toContain("Someone else changed Linen tee — Small (TEE-1)");
    expect(await conflict.innerText()).toContain("quantity 7");
    expect(await quantityOf("TEE-1", "size=s")).toBe(7);
    expect(await page.getByLabel("Quantity of TEE-1").inputValue()).toBe("20"); // the form keeps the operator's value
    await shot(page, "grid-conflict");
    // Replacing their value is an explicit second step.
    await page.getByRole("button", { name: "Save mine anyway" }).click();
    await expect.poll(() => page.locator(".success-box").innerText()).toContain("quantity 7 → 20");
    expect(await quantityOf("TEE-1", "size=s")).toBe(20);
    await page.close();
  });

  it("rejects a CSV with one bad row by line and field, changing nothing; then imports a good one", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/import-export`);
    const before = await store.listItems(SHOP);
    const ledgerBefore = (await store.listLedger(SHOP, { limit: 1000 })).length;

    await uploadFile(page, "bad.csv", "sku,productId,quantity,variant.size\nTEE-1,tee,30,L\nNEW-1,new,-4,\n");
    await page.getByRole("button", { name: "Preview changes" }).click();
    const errors = page.getByTestId("import-errors");
    await expect.poll(() => errors.isVisible()).toBe(true);
    const errorRows = await page.locator("tr.import-error").allInnerTexts();
    expect(errorRows).toHaveLength(1);
    expect(errorRows[0]).toMatch(/^3\s+NEW-1\s+quantity\s+-4\s+must not be negative/);
    expect(await page.getByRole("button", { name: "Apply import" }).isDisabled()).toBe(true);
    await shot(page, "import-rejected");

    // The API refuses applying the same file too, and nothing changes.
    const client = await signIn(cms, EDITOR, PASSWORD);
    const applied = await client.request(`/api/shops/${SHOP}/import?format=csv&mode=apply`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "sku,productId,quantity,variant.size\nTEE-1,tee,30,L\nNEW-1,new,-4,\n",
    });
    expect(applied.status).toBe(400);
    expect(await applied.json()).toMatchObject({ code: "validation_failed", errors: [{ line: 3, field: "quantity" }] });
    expect(await store.listItems(SHOP)).toEqual(before);
    expect((await store.listLedger(SHOP, { limit: 1000 })).length).toBe(ledgerBefore);

    await uploadFile(
      page,
      "good.csv",
      "sku,productId,quantity,lowStockThreshold,variant.size\nTEE-1,tee,30,3,L\nNEW-1,new,4,,\nMUG-1,mug,0,2,\n",
    );
    await page.getByRole("button", { name: "Preview changes" }).click();
    const summary = page.getByTestId("import-summary");
    await expect.poll(() => summary.innerText()).toContain("Preview");
    expect(await summary.innerText()).toMatch(/1 to create, 1 to update, 1 unchanged/);
    expect(await page.locator(".preview-table tr.action-update").innerText()).toMatch(/2\s*→\s*30/);
    expect(await quantityOf("TEE-1", "size=l")).toBe(2); // preview writes nothing
    await shot(page, "import-preview");
    await page.getByRole("button", { name: "Apply import" }).click();
    await expect.poll(() => summary.innerText()).toContain("Imported");
    expect(await quantityOf("TEE-1", "size=l")).toBe(30);
    expect(await quantityOf("NEW-1", "")).toBe(4);
    const [entry] = await store.listLedger(SHOP, { sku: "TEE-1", variantKey: "size=l", limit: 1 });
    expect(entry).toMatchObject({ reason: "import", delta: 28, quantityAfter: 30, actor: EDITOR });
    await shot(page, "import-applied");
    await page.close();
  });

  it("rejects a hostile purchase limit in an import by line and field, changing nothing; previews and applies a good one", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/import-export`);
    expect(await page.locator(".import-panel").innerText()).toContain(
      "productTitle,variantTitle,lowStockThreshold,purchaseLimit",
    );
    const before = await store.listItems(SHOP);
    const ledgerBefore = await store.listLedger(SHOP, { limit: 1000 });
    const bad =
      "sku,productId,quantity,purchaseLimit,variant.size\nTEE-1,tee,30,3,L\nMUG-1,mug,0,0,\nNEW-9,new,1,1.5,\n";
    await uploadFile(page, "bad-limit.csv", bad);
    await page.getByRole("button", { name: "Preview changes" }).click();
    await expect.poll(() => page.getByTestId("import-errors").isVisible()).toBe(true);
    const errorRows = await page.locator("tr.import-error").allInnerTexts();
    expect(errorRows).toHaveLength(2);
    expect(errorRows[0]).toMatch(/^3\s+MUG-1\s+purchaseLimit\s+0\s+must be at least 1 \(empty or null for no limit\)/);
    expect(errorRows[1]).toMatch(/^4\s+NEW-9\s+purchaseLimit\s+1\.5\s+must be a whole number/);
    expect(await page.getByRole("button", { name: "Apply import" }).isDisabled()).toBe(true);
    await shot(page, "import-limit-rejected");
    const client = await signIn(cms, EDITOR, PASSWORD);
    const applied = await client.request(`/api/shops/${SHOP}/import?format=csv&mode=apply`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: bad,
    });
    expect(applied.status).toBe(400);
    expect(await applied.json()).toMatchObject({
      code: "validation_failed",
      errors: [
        { line: 3, field: "purchaseLimit" },
        { line: 4, field: "purchaseLimit" },
      ],
    });
    const json = await client.request(`/api/shops/${SHOP}/import?format=json&mode=apply`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ sku: "MUG-1", productId: "mug", quantity: 0, purchaseLimit: -1 }] }),
    });
    expect(await json.json()).toMatchObject({
      code: "validation_failed",
      errors: [{ line: 1, field: "items.0.purchaseLimit" }],
    });
    expect(await store.listItems(SHOP)).toEqual(before);
    expect(await store.listLedger(SHOP, { limit: 1000 })).toEqual(ledgerBefore);

    // A good limit is an update with its before and after, and writes no ledger entry.
    await uploadFile(page, "good-limit.csv", "sku,productId,quantity,purchaseLimit\nMUG-1,mug,0,3\n");
    await page.getByRole("button", { name: "Preview changes" }).click();
    const summary = page.getByTestId("import-summary");
    await expect.poll(() => summary.innerText()).toMatch(/0 to create, 1 to update, 0 unchanged/);
    expect(await page.locator('.preview-table tr[data-sku="MUG-1"]').innerText()).toMatch(/—\s*→\s*3/);
    await shot(page, "import-limit-preview");
    await page.getByRole("button", { name: "Apply import" }).click();
    await expect.poll(() => summary.innerText()).toContain("Imported");
    expect((await store.getItem(SHOP, { sku: "MUG-1", variantKey: "" }))?.purchaseLimit).toBe(3);
    expect(await store.listLedger(SHOP, { limit: 1000 })).toEqual(ledgerBefore);
    await page.close();
    // The longer column list wraps on a phone instead of widening the page.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    onTestFinished(() => phone.close());
    const small = await signInPage(phone, EDITOR, `/cms/shop/${SHOP}/data/import-export`);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it("exports CSV and JSON that re-import with nothing changed", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/import-export`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^stock-shop-a-.*\.csv$/);
    const csv = readFileSync(await download.path(), "utf8");
    expect(csv.split("\n")[0]).toContain(
      "sku,productId,productTitle,variantTitle,location,quantity,lowStockThreshold,purchaseLimit",
    );
    // The limits set above travel with the file; the shop keeps its stock at main, its one location.
    expect(csv).toMatch(/\nTEE-1,tee,Linen tee,,main,\d+,3,2,,M\n/);
    const items = await store.listItems(SHOP);

    await uploadFile(page, "export.csv", csv);
    await page.getByRole("button", { name: "Preview changes" }).click();
    const summary = page.getByTestId("import-summary");
    await expect.poll(() => summary.innerText()).toContain("Preview");
    expect(await summary.innerText()).toContain(`0 to create, 0 to update, ${items.length} unchanged`);
    await page.getByRole("button", { name: "Apply import" }).click();
    await expect.poll(() => summary.innerText()).toContain("Imported");
    expect(await store.listItems(SHOP)).toEqual(items);

    const client = await signIn(cms, EDITOR, PASSWORD);
    const json = await (await client.request(`/api/shops/${SHOP}/export?format=json`)).text();
    const reimport = await client.request(`/api/shops/${SHOP}/import?format=json&mode=apply`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json,
    });
    expect(reimport.status).toBe(200);
    expect(await reimport.json()).toMatchObject({ created: 0, updated: 0, unchanged: items.length });
    expect(await store.listItems(SHOP)).toEqual(items);
    await page.close();
  });

  it("lets a viewer read but not change stock: controls disabled and the API answers 403", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await signInPage(context, VIEWER, `/cms/shop/${SHOP}/data/inventory`);
    const edits = page.locator(".stock-table").getByRole("button", { name: "Edit" });
    expect(await edits.count()).toBeGreaterThan(0);
    for (const button of await edits.all()) expect(await button.isDisabled()).toBe(true);
    expect(await page.locator(".notice").innerText()).toContain("read-only");
    await shot(page, "grid-viewer");

    await page.goto(`${cms.url}/cms/shop/${SHOP}/holds`);
    expect(
      await page.locator(`tr[data-hold-id="${heldId}"]`).getByRole("button", { name: "Release" }).isDisabled(),
    ).toBe(true);
    await context.close();

    const viewer = await signIn(cms, VIEWER, PASSWORD);
    const item = (await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" }))!;
    const patch = await viewer.request(`/api/shops/${SHOP}/inventory`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sku: "TEE-1",
        variantKey: "size=m",
        expectedVersion: item.version,
        quantity: 0,
        reason: "edit",
      }),
    });
    expect(patch.status).toBe(403);
    const release = await viewer.request(`/api/shops/${SHOP}/holds/${heldId}/release`, { method: "POST" });
    expect(release.status).toBe(403);
    const apply = await viewer.request(`/api/shops/${SHOP}/import?format=csv&mode=apply`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "sku,productId,quantity\nTEE-9,tee,1\n",
    });
    expect(apply.status).toBe(403);
    expect(await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" })).toEqual(item);
    expect(await store.getItem(SHOP, { sku: "TEE-9", variantKey: "" })).toBeNull();
    // Reading is allowed, including a preview of a file.
    expect((await viewer.request(`/api/shops/${SHOP}/inventory?filter=low`)).status).toBe(200);
    const preview = await viewer.request(`/api/shops/${SHOP}/import?format=csv&mode=preview`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "sku,productId,quantity\nTEE-9,tee,1\n",
    });
    expect(preview.status).toBe(200);
  });

  it("answers bad input with field errors and oversized uploads with 413, changing nothing", async () => {
    const client = await signIn(cms, EDITOR, PASSWORD);
    const item = (await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" }))!;
    const bad = await client.request(`/api/shops/${SHOP}/inventory`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sku: "TEE-1",
        variantKey: "size=m",
        expectedVersion: item.version,
        quantity: -1,
        reason: "sale",
      }),
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; errors: Array<{ field: string }> };
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e) => e.field).sort()).toEqual(["quantity", "reason"]);
    const stale = await client.request(`/api/shops/${SHOP}/inventory`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sku: "TEE-1",
        variantKey: "size=m",
        expectedVersion: item.version - 1,
        quantity: 1,
        reason: "edit",
      }),
    });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({
      code: "conflict",
      current: { quantity: item.quantity, version: item.version },
    });
    const query = await client.request(`/api/shops/${SHOP}/inventory?sort=price&limit=0`);
    expect(query.status).toBe(400);
    const huge = await client.request(`/api/shops/${SHOP}/import?format=csv&mode=preview`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "sku,productId,quantity\n" + "X,y,1\n".repeat(1_000_000),
    });
    expect(huge.status).toBe(413);
    expect(await store.getItem(SHOP, { sku: "TEE-1", variantKey: "size=m" })).toEqual(item);
  });

  it("lists holds by status with items and releases an active one", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/holds`);
    const hold = page.locator(`tr[data-hold-id="${heldId}"]`);
    // Named by its titles with the SKU beside them, and linked to the session that pays for it.
    expect(await hold.innerText()).toMatch(/Field cap · Red\s*CAP-1\s*×\s*3/);
    expect(await hold.getByRole("link", { name: /Stripe session/ }).getAttribute("href")).toBe(
      `https://stripe.example/checkout/${SESSION_ID}`,
    );
    await shot(page, "holds-active");
    await hold.getByRole("button", { name: "Release" }).click();
    await hold.getByRole("button", { name: "Yes, release" }).click();
    await expect.poll(() => page.locator(`tr[data-hold-id="${heldId}"]`).count()).toBe(0);
    expect((await store.getItem(SHOP, { sku: "CAP-1", variantKey: "color=red" }))?.reserved).toBe(0);
    await page.getByRole("link", { name: "Released" }).click();
    await page.waitForURL(/status=released/);
    expect(await page.locator(`tr[data-hold-id="${heldId}"]`).getAttribute("data-status")).toBe("released");
    await page.close();
  });

  it("shows low stock, out of stock and recent alerts", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${SHOP}/low-stock`);
    const out = page.locator("section", { has: page.locator("#out-heading") });
    expect(
      await out.locator("tbody tr[data-sku]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-sku"))),
    ).toEqual(["MUG-1"]);
    // No titles: the product id names it, the SKU beside it.
    expect(await out.locator('tr[data-sku="MUG-1"] td').first().innerText()).toMatch(/^mug\s+MUG-1$/);
    const alerts = page.locator("section", { has: page.locator("#alerts-heading") });
    expect(await alerts.locator('tr[data-sku="TEE-1"]').count()).toBe(1);
    expect(await alerts.locator('tr[data-sku="TEE-1"]').innerText()).toMatch(/Linen tee · L\s*TEE-1/);
    await shot(page, "low-stock");
    await page.close();
  });

  it("shows the shop's hold policy with its defaults, saves an admin's values and names the field of each bad one, changing nothing", async () => {
    const holds = createPrismaHoldStore(database);
    expect(await getShopHoldPolicy({ shopId: SHOP, store: holds })).toEqual(DEFAULT_HOLD_POLICY);
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    onTestFinished(() => context.close());
    const page = await signInPage(context, ADMIN, `/cms/shop/${SHOP}/settings`);
    expect(await page.getByTestId("policy-source").innerText()).toContain("uses the defaults");
    const inputs = {
      holds: page.getByLabel("Active holds per client"),
      units: page.getByLabel("Held units per client"),
      seconds: page.getByLabel("Unopened-hold time"),
    };
    expect([
      await inputs.holds.inputValue(),
      await inputs.units.inputValue(),
      await inputs.seconds.inputValue(),
    ]).toEqual(["10", "200", "300"]);
    // Each value says what it means, its bounds and its default.
    const form = page.locator("form", { has: page.locator("#hold-policy-heading") });
    expect(await form.innerText()).toContain("by its network address (hashed");
    expect(await form.innerText()).toContain("signed buyer cookie");
    expect(await form.innerText()).toContain("before the buyer reaches Stripe's payment page");
    expect(await form.innerText()).toContain("60–1,800 seconds; default 300 s (5 min) (in use)");
    await shot(page, "settings-defaults");

    const save = page.getByRole("button", { name: "Save hold policy" });
    const fieldError = (field: string) => page.locator(`[data-field="${field}"] .error-text`);
    const refuse = async (
      holdsValue: string,
      unitsValue: string,
      secondsValue: string,
      expected: Record<string, string>,
    ) => {
      await inputs.holds.fill(holdsValue);
      await inputs.units.fill(unitsValue);
      await inputs.seconds.fill(secondsValue);
      await save.click();
      await expect.poll(() => page.locator(".error-box").innerText()).toContain("Nothing was saved");
      for (const [field, message] of Object.entries(expected)) {
        expect(await fieldError(field).innerText(), field).toContain(message);
        expect(await page.locator(`[name="${field}"]`).getAttribute("aria-invalid"), field).toBe("true");
      }
      expect(await page.locator(".error-text").count()).toBe(Object.keys(expected).length);
      expect(await getShopHoldPolicy({ shopId: SHOP, store: holds })).toEqual(DEFAULT_HOLD_POLICY);
    };
    await refuse("0", "1.5", "soon", {
      maxActiveHoldsPerClient: "Active holds per client: must be at least 1",
      maxHeldUnitsPerClient: "Held units per client: must be a whole number",
      unopenedHoldSeconds: "Unopened-hold time: must be a number",
    });
    await shot(page, "settings-rejected");
    await refuse("-1", "", "1801", {
      maxActiveHoldsPerClient: "must be at least 1",
      maxHeldUnitsPerClient: "is required",
      unopenedHoldSeconds: "must be at most 1800",
    });
    await refuse("5", "99999999999999999999", "600", { maxHeldUnitsPerClient: "must be at most 1000000" });

    await inputs.holds.fill("5");
    await inputs.units.fill("50");
    await inputs.seconds.fill("600");
    await save.click();
    await expect
      .poll(() => page.locator(".success-box").innerText())
      .toContain("Saved: 5 holds and 50 units per client, unopened holds last 600 s (10 min).");
    expect(await page.locator(".error-text").count()).toBe(0);
    expect(await getShopHoldPolicy({ shopId: SHOP, store: holds })).toEqual({
      maxActiveHoldsPerClient: 5,
      maxHeldUnitsPerClient: 50,
      unopenedHoldSeconds: 600,
      isDefault: false,
    });
    await page.reload();
    expect(await page.getByTestId("policy-source").innerText()).toContain("Set for this shop.");
    expect(await inputs.units.inputValue()).toBe("50");
    await shot(page, "settings-saved");

    // An editor reads it, and may not change it.
    const readOnly = await editor.newPage();
    onTestFinished(() => readOnly.close());
    await readOnly.goto(`${cms.url}/cms/shop/${SHOP}/settings`);
    expect(await readOnly.getByLabel("Held units per client").isDisabled()).toBe(true);
    expect(await readOnly.getByRole("button", { name: "Save hold policy" }).count()).toBe(0);
    expect(await readOnly.locator(".notice").allInnerTexts()).toContain(
      "Only admins can change the hold policy; you can read it.",
    );
    const client = await signIn(cms, EDITOR, PASSWORD);
    const put = await client.request(`/api/shops/${SHOP}/hold-policy`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ maxActiveHoldsPerClient: 1, maxHeldUnitsPerClient: 1, unopenedHoldSeconds: 60 }),
    });
    expect(put.status).toBe(403);
    expect((await getShopHoldPolicy({ shopId: SHOP, store: holds })).maxHeldUnitsPerClient).toBe(50);
  });

  it("lists who holds a variant, a bot's address above a buyer's, and releases the bot's holds: available back up, hold_release by the operator in the history", async () => {
    const holds = createPrismaHoldStore(database);
    const cap = { sku: "CAP-1", variantKey: "color=red" };
    // A bot from one address, a fresh cookie for each cart; a buyer with one cart.
    const bot = (cookie: string) =>
      identifyHoldClient({ address: "203.0.113.9", buyerId: cookie, secret: CLIENT_SECRET });
    const buyer = identifyHoldClient({ address: "198.51.100.7", buyerId: "buyer-anna", secret: CLIENT_SECRET });
    const botHolds: string[] = [];
    for (const cookie of ["bot-cookie-1", "bot-cookie-2", "bot-cookie-3"]) {
      botHolds.push(
        (
          await createInventoryHold({
            shopId: SHOP,
            requests: [{ ...cap, quantity: 2 }],
            ttlSeconds: 1200,
            client: bot(cookie),
            store: holds,
          })
        ).holdId,
      );
    }
    await createInventoryHold({
      shopId: SHOP,
      requests: [{ ...cap, quantity: 1 }],
      ttlSeconds: 1200,
      client: buyer,
      store: holds,
    });
    const held = (await store.getItem(SHOP, cap))!;
    const botAddress = bot("bot-cookie-1").address!;

    const page = await editor.newPage();
    onTestFinished(() => page.close());
    // The holds page says whether anyone presses on the caps (no one is at one yet: 3 holds of 5).
    await page.goto(`${cms.url}/cms/shop/${SHOP}/holds`);
    expect(await page.getByTestId("cap-pressure").innerText()).toMatch(
      /^0 clients are at a cap now\. In the last 5 minutes, \d+ of \d+ checkouts were refused by a cap and \d+ by a purchase limit\.$/,
    );
    // From the variant's history, "Who holds it".
    await page.goto(`${cms.url}/cms/shop/${SHOP}/data/inventory/history?sku=CAP-1&variantKey=color%3Dred`);
    await page.getByRole("link", { name: "Who holds it" }).click();
    await page.waitForURL(/\/holds\/holders\?/);
    const rows = page.locator(".holders-table tbody tr[data-client]");
    const listed = () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => `${tr.getAttribute("data-client")}:${tr.getAttribute("data-client-key")}`),
      );
    const order = await listed();
    expect(order[0]).toBe(`address:${botAddress}`);
    const buyerRows = [`address:${buyer.address}`, `buyer:${buyer.buyer}`].map((key) => order.indexOf(key));
    const botRows = [
      `address:${botAddress}`,
      ...["bot-cookie-1", "bot-cookie-2", "bot-cookie-3"].map((c) => `buyer:${bot(c).buyer}`),
    ].map((key) => order.indexOf(key));
    expect(Math.min(...buyerRows)).toBeGreaterThan(Math.max(...botRows));
    expect(order).toHaveLength(6);
    // The client shortened to 8 hex digits, its kind, holds, units and the oldest hold's age.
    const first = rows.first();
    expect(await first.locator('td[data-label="Client"]').innerText()).toBe(botAddress.slice(0, 8));
    expect(await first.locator('td[data-label="Kind"]').innerText()).toBe("Network address");
    expect(await first.locator('td[data-label="Holds"]').innerText()).toBe("3");
    expect(await first.locator('td[data-label="Units"]').innerText()).toBe("6");
    expect(await first.locator('td[data-label="Oldest hold"]').innerText()).toMatch(/^\d+ (s|min)$/);
    expect(await page.getByTestId("available").innerText()).toBe(String(held.available));
    await shot(page, "holders");

    await first.getByRole("button", { name: "Release holds" }).click();
    expect(await first.locator(".confirm").innerText()).toContain(
      `every active hold of network address ${botAddress.slice(0, 8)} in ${SHOP}`,
    );
    await first.getByRole("button", { name: "Yes, release" }).click();
    await expect
      .poll(() => page.getByTestId("release-result").innerText())
      .toBe(`Released 3 holds (6 units) of network address ${botAddress.slice(0, 8)}.`);
    // The bot's cookies named the same holds: gone too; the buyer's stay.
    await expect
      .poll(listed)
      .toEqual(
        [`address:${buyer.address}`, `buyer:${buyer.buyer}`].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      );
    await expect.poll(() => page.getByTestId("available").innerText()).toBe(String(held.available + 6));
    expect(await store.getItem(SHOP, cap)).toMatchObject({
      quantity: held.quantity,
      reserved: held.reserved - 6,
      available: held.available + 6,
    });
    await shot(page, "holders-released");

    const released = (await store.listLedger(SHOP, { ...cap, limit: 10 })).filter(
      (entry) => entry.reason === "hold_release",
    );
    expect(released.map((entry) => entry.holdId).sort()).toEqual([...botHolds].sort());
    for (const entry of released)
      expect(entry).toMatchObject({ delta: 0, quantityAfter: held.quantity, actor: EDITOR });
    await page.getByRole("link", { name: "History of this variant" }).click();
    await page.waitForURL(/\/data\/inventory\/history\?/);
    const newest = page.locator(".ledger-table tbody tr").first();
    expect(await newest.getAttribute("data-reason")).toBe("hold_release");
    expect(await newest.locator('td[data-label="Reason"]').innerText()).toBe("hold release");
    expect(await newest.locator('td[data-label="Change"]').innerText()).toBe("0");
    expect(await newest.locator('td[data-label="Actor"]').innerText()).toBe(EDITOR);
    expect(await page.locator('.ledger-table tbody tr[data-reason="hold_release"]').count()).toBe(3);
    await shot(page, "history-hold-release");

    // A viewer sees the list but may not release.
    const viewerContext = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    onTestFinished(() => viewerContext.close());
    const viewerPage = await signInPage(
      viewerContext,
      VIEWER,
      `/cms/shop/${SHOP}/holds/holders?sku=CAP-1&variantKey=color%3Dred`,
    );
    expect(
      await viewerPage
        .locator(".holders-table tbody tr[data-client]")
        .first()
        .getByRole("button", { name: "Release holds" })
        .isDisabled(),
    ).toBe(true);
    const viewer = await signIn(cms, VIEWER, PASSWORD);
    const refused = await viewer.request(`/api/shops/${SHOP}/clients/release`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client: "buyer", key: buyer.buyer }),
    });
    expect(refused.status).toBe(403);
    expect((await store.getItem(SHOP, cap))?.reserved).toBe(held.reserved - 6);
  });

  it("keeps a 10,000-variant grid paged, searchable and filterable", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${BIG_SHOP}/data/inventory`);
    const status = page.locator(".status-text");
    expect(await status.innerText()).toBe("1–100 of 10,000");
    expect(await page.locator(".stock-table tbody tr[data-sku]").count()).toBe(100);
    await page.getByLabel("Search").fill("big-09998");
    await expect.poll(() => status.innerText()).toBe("1–1 of 1");
    expect(await page.locator(".stock-table tbody tr[data-sku]").getAttribute("data-sku")).toBe("BIG-09998");
    expect(page.url()).toContain("q=big-09998");
    await page.getByLabel("Search").fill("");
    await page.getByRole("button", { name: /^Out of stock/ }).click();
    // quantity = i % 97: 0 for 104 of the 10,000 variants.
    await expect.poll(() => status.innerText()).toBe("1–100 of 104");
    await page.getByRole("button", { name: "Quantity" }).click();
    await page.getByRole("button", { name: "Next →" }).click();
    await expect.poll(() => status.innerText()).toBe("101–104 of 104");
    await page.goto(`${cms.url}/cms/shop/${BIG_SHOP}/data/inventory?sort=available&dir=desc`);
    expect(await cell(page, "BIG-00096", "size=s", "Available")).toBe("96");
    await shot(page, "grid-10k");
    await page.goto(`${cms.url}/cms`);
    await shot(page, "home");
    await page.close();
  });

  it("shows upload and server progress during a long import, then the result", async () => {
    const page = await editor.newPage();
    await page.goto(`${cms.url}/cms/shop/${BIG_SHOP}/data/import-export`);
    const rows = Array.from(
      { length: 10_000 },
      (_, i) =>
        `BIG-${String(i).padStart(5, "0")},product-${i % 250},${(i % 97) + 1},5,${["S", "M", "L", "XL"][i % 4]}`,
    );
    await uploadFile(
      page,
      "restock.csv",
      `sku,productId,quantity,lowStockThreshold,variant.size\n${rows.join("\n")}\n`,
    );
    await page.getByRole("button", { name: "Preview changes" }).click();
    const summary = page.getByTestId("import-summary");
    await expect.poll(() => summary.innerText()).toContain("0 to create, 10,000 to update, 0 unchanged");
    expect(await page.locator(".import-panel").innerText()).toContain("Listing 2,000 of the file's 10,000 rows");

    // Hold the apply request at the network layer so the in-flight state can be looked at.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/import?format=csv&mode=apply", async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole("button", { name: "Apply import" }).click();
    const progress = page.locator(".progress-block");
    await expect.poll(() => progress.innerText()).toMatch(/Uploading… \d+%|Applying all rows in one transaction/);
    expect(await page.getByRole("button", { name: "Apply import" }).isDisabled()).toBe(true);
    // The preview lists 2,000 rows below: the window around the progress is what the operator sees.
    await progress.scrollIntoViewIfNeeded();
    await shot(page, "import-in-progress", { fullPage: false });
    release();
    await expect.poll(() => summary.innerText()).toContain("Imported: 0 to create, 10,000 to update");
    expect((await store.getItem(BIG_SHOP, { sku: "BIG-00000", variantKey: "size=s" }))?.quantity).toBe(1);
    await page.close();
  });
});

describe("operator UI where people look, at desktop and phone widths", () => {
  it("the saved message appears at the last row edited on a 768 px-high window, in view", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 768 } });
    try {
      const page = await signInPage(context, EDITOR, `/cms/shop/${BIG_SHOP}/data/inventory`);
      const rows = page.locator(".stock-table tbody tr[data-sku]");
      await expect.poll(() => rows.count()).toBe(100);
      const last = rows.last();
      const sku = (await last.getAttribute("data-sku"))!;
      await last.scrollIntoViewIfNeeded();
      await last.getByRole("button", { name: "Edit" }).click();
      await page.getByLabel(`Quantity of ${sku}`).fill("77");
      await page.selectOption('select[name="reason"]', "correction");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      const saved = page.locator("tr.saved-row .success-box");
      await expect.poll(() => saved.innerText()).toContain(`(${sku}): quantity`);
      // In the viewport, right below the row it is about, and the row is highlighted.
      const box = (await saved.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(768);
      expect(await page.locator("tr.just-saved").getAttribute("data-sku")).toBe(sku);
      const highlight = await page
        .locator("tr.just-saved td")
        .first()
        .evaluate((td) => getComputedStyle(td).backgroundColor);
      expect(highlight).not.toBe("rgba(0, 0, 0, 0)");
      await shot(page, "grid-saved-at-row-768");
    } finally {
      await context.close();
    }
  });

  it("the grid is usable on a phone: every row's SKU on one line, its Available and Edit within the screen", async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 860 }, isMobile: true, hasTouch: true });
    try {
      const page = await signInPage(context, EDITOR, `/cms/shop/${SHOP}/data/inventory`);
      await row(page, "TEE-1", "size=m").waitFor();
      const width = 420;
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const limitCell = row(page, "TEE-1", "size=m").locator('td[data-label="Limit per buyer"]');
      expect(await limitCell.innerText()).toBe("2");
      for (const target of [
        row(page, "TEE-1", "size=m").locator('td[data-label="Available"]'),
        limitCell,
        row(page, "TEE-1", "size=m").getByRole("button", { name: "Edit" }),
      ]) {
        const box = (await target.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
      }
      const sku = (await row(page, "TEE-1", "size=m").locator("td.sku-cell").boundingBox())!;
      expect(sku.height).toBeLessThan(40); // one line, not broken at the hyphen
      // Editing works there too.
      await row(page, "TEE-1", "size=m").getByRole("button", { name: "Edit" }).click();
      // The limit's input is on the screen in its card too.
      const limitBox = (await page.getByLabel("Limit per buyer of TEE-1").boundingBox())!;
      expect(limitBox.x + limitBox.width).toBeLessThanOrEqual(width);
      await page.getByLabel("Quantity of TEE-1").fill("10");
      await page.selectOption('select[name="reason"]', "correction");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await expect
        .poll(() => page.locator("tr.saved-row .success-box").innerText())
        .toContain("Saved Linen tee — M (TEE-1)");
      await shot(page, "phone-grid-after-save");
    } finally {
      await context.close();
    }
  });

  it("import errors name the SKU and the value as written; the disabled Apply button looks disabled", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    onTestFinished(() => context.close());
    const page = await signInPage(context, EDITOR, `/cms/shop/${SHOP}/data/import-export`);
    const apply = page.getByRole("button", { name: "Apply import" });
    expect(await apply.isDisabled()).toBe(true);
    const [disabledBackground, enabledBackground] = await page.evaluate(() => {
      const disabled = document.querySelector<HTMLButtonElement>(".import-controls .button-primary")!;
      const probe = document.createElement("button");
      probe.className = "button button-primary";
      document.body.append(probe);
      const colors = [getComputedStyle(disabled).backgroundColor, getComputedStyle(probe).backgroundColor];
      probe.remove();
      return colors;
    });
    expect(disabledBackground).not.toBe(enabledBackground);
    await uploadFile(page, "bad.csv", "sku,productId,quantity,variant.size\nTEE-1,tee,12.5,M\n");
    await page.getByRole("button", { name: "Preview changes" }).click();
    const problem = page.locator(".import-error").first();
    await problem.waitFor();
    const cells = await problem.locator("td").allInnerTexts();
    expect(cells).toEqual(["2", "TEE-1", "quantity", "12.5", "must be a whole number"]);
    await shot(page, "import-error-names-sku-and-value");
  });

  it("every page, at desktop and phone width, for a person to look at", async () => {
    // An active hold of its own: an earlier test may have released the seeded one.
    const { holdId: activeHold } = await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "CAP-1", variantAttributes: { color: "Red" }, quantity: 1 }],
      ttlSeconds: 1200,
      store: createPrismaHoldStore(database),
    });
    // And one a client made, for the top holders (of a variant the earlier tests leave in stock).
    const holder = identifyHoldClient({ address: "192.0.2.44", buyerId: "buyer-shot", secret: CLIENT_SECRET });
    await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "TEE-1", variantKey: "size=s", quantity: 2 }],
      ttlSeconds: 1200,
      client: holder,
      store: createPrismaHoldStore(database),
    });
    const pages = [
      ["home", "/cms"],
      ["dashboard", "/cms/dashboard"],
      ["grid", `/cms/shop/${SHOP}/data/inventory`],
      ["import-export", `/cms/shop/${SHOP}/data/import-export`],
      ["low-stock", `/cms/shop/${SHOP}/low-stock`],
      ["holds", `/cms/shop/${SHOP}/holds`],
      ["history", `/cms/shop/${SHOP}/data/inventory/history?sku=TEE-1&variantKey=size%3Dm`],
      ["holders", `/cms/shop/${SHOP}/holds/holders?sku=TEE-1&variantKey=size%3Ds`],
      ["settings", `/cms/shop/${SHOP}/settings`],
    ] as const;
    for (const [width, height, suffix] of [
      [1360, 900, "desktop"],
      [390, 844, "phone"],
    ] as const) {
      const context = await browser.newContext({ viewport: { width, height } });
      try {
        const page = await signInPage(context, EDITOR, "/cms");
        for (const [name, target] of pages) {
          const response = await page.goto(`${cms.url}${target}`);
          expect(response?.status(), name).toBe(200);
          await page.waitForLoadState("networkidle");
          await shot(page, `page-${name}-${suffix}`);
          // On a phone, each hold and low-stock row is a card: its action is on the screen, not past a sideways scroll.
          const action =
            name === "holds"
              ? page.locator(`tr[data-hold-id="${activeHold}"]`).getByRole("button", { name: "Release" })
              : name === "low-stock"
                ? page.getByRole("link", { name: "History" }).first()
                : name === "holders"
                  ? page
                      .locator(`tr[data-client-key="${holder.address}"]`)
                      .getByRole("button", { name: "Release holds" })
                  : undefined;
          if (suffix === "phone" && action) {
            const box = (await action.boundingBox())!;
            expect(box.x + box.width, `${name}: the row's action within ${width} px`).toBeLessThanOrEqual(width);
          }
        }
        await page.goto(`${cms.url}/cms/dashboard`);
        // The dashboard keeps the shop's section links.
        // (The last shop visited is read after hydration: poll.)
        await expect
          .poll(() =>
            page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Stock", exact: true }).count(),
          )
          .toBe(1);
      } finally {
        await context.close();
      }
    }
    // The policy as an admin sees it, editable, on a phone.
    const adminPhone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await signInPage(adminPhone, ADMIN, `/cms/shop/${SHOP}/settings`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const save = (await page.getByRole("button", { name: "Save hold policy" }).boundingBox())!;
      expect(save.x + save.width).toBeLessThanOrEqual(390);
      await shot(page, "page-settings-admin-phone");
    } finally {
      await adminPhone.close();
    }
    const anonymous = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const login = await anonymous.newPage();
    await login.goto(`${cms.url}/login`);
    await shot(login, "page-login-phone");
    await anonymous.close();
  });
});
