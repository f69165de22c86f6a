import { mkdirSync } from "node:fs";
import path from "node:path";
import { createPrismaLocationStore, type LocationStore } from "@acme/platform-core";
import { DEMO_OPERATOR, DEMO_SHOP_ID } from "@acme/platform-core/demo";
import { launchChromium } from "@acme/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHOP_DIR, startShopStack, type ShopStack } from "./start-shop-stack.ts";

// Stock at two locations, end to end in Chromium: the CMS and the shop as production builds, the Stripe emulator,
// a real PostgreSQL with the demo seeded. An operator adds a store and sends it part of a variant's stock (in
// transit, then received), so that neither location alone has what a buyer then asks for; the buyer's hold and sale
// take units from both, and the CMS shows where they came from.

/** The demo's sand slip dress in M: 5 units, all at main. */
const DRESS = { sku: "CMP-SLIP-SAND", variantKey: "color=sand|size=m" };
const SHOTS = path.join(SHOP_DIR, "test-results", "screenshots");

let stack: ShopStack;
let locations: LocationStore;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [stack, browser] = await Promise.all([startShopStack({}), launchChromium()]);
  locations = createPrismaLocationStore(stack.db);
}, 240_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await stack?.stop();
});

async function newPage(width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  contexts.push(context);
  return context.newPage();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The variant's quantity, reserved and incoming at each location, from the library. */
async function levels(): Promise<Record<string, { quantity: number; reserved: number; incoming: number }>> {
  const rows = await locations.listLevels(DEMO_SHOP_ID, { refs: [DRESS] });
  return Object.fromEntries(
    rows.map((row) => [row.location, { quantity: row.quantity, reserved: row.reserved, incoming: row.incoming }]),
  );
}

/** A grid cell by its column header, for the dress's row. */
async function gridCell(page: Page, header: string): Promise<string> {
  const headers = (await page.locator(".stock-table thead th").allInnerTexts()).map((text) =>
    text.replace(/[▲▼]/g, "").trim(),
  );
  const index = headers.indexOf(header);
  expect(index, `column ${header} in ${headers.join(" | ")}`).toBeGreaterThanOrEqual(0);
  const row = page.locator(`.stock-table tr[data-sku="${DRESS.sku}"][data-variant-key="${DRESS.variantKey}"]`);
  return (await row.locator("td").nth(index).innerText()).trim();
}

describe("stock at two locations (Chromium, production builds, PostgreSQL, Stripe emulator)", () => {
  it("an operator adds a store and transfers stock there; a buyer's four units come from both locations", async () => {
    const cms = stack.cms.url;
    const shopPath = `${cms}/cms/shop/${DEMO_SHOP_ID}`;
    expect(await levels()).toEqual({ main: { quantity: 5, reserved: 0, incoming: 0 } });

    // The operator signs in and opens the shop's locations: only main so far.
    const operator = await newPage();
    await operator.goto(`${cms}/login?next=${encodeURIComponent(`/cms/shop/${DEMO_SHOP_ID}/locations`)}`);
    await operator.locator('input[name="email"]').fill(DEMO_OPERATOR.email);
    await operator.locator('input[name="password"]').fill(DEMO_OPERATOR.password);
    await operator.getByRole("button", { name: "Sign in" }).click();
    await operator.waitForURL(`${shopPath}/locations`);
    await operator.waitForLoadState("networkidle");
    expect(
      await operator
        .locator(".locations-table tbody tr[data-location]")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-location"))),
    ).toEqual(["main"]);

    // A code the library refuses is named next to its field, and nothing is added.
    await operator.getByLabel("Code").fill("North Store");
    await operator.getByLabel("Name").fill("North store");
    await operator.getByRole("button", { name: "Add location" }).click();
    await expect.poll(() => operator.locator("#location-code-error").innerText()).toMatch(/^Code: must be 1 to 32/);
    expect(await operator.getByLabel("Code").getAttribute("aria-invalid")).toBe("true");
    expect((await locations.listLocations(DEMO_SHOP_ID)).map((l) => l.code)).toEqual(["main"]);

    // The store, preferred over main (priority 10), selling online.
    await operator.getByLabel("Code").fill("north");
    await operator.getByLabel("Kind").selectOption("store");
    await operator.getByLabel("Priority", { exact: true }).fill("10");
    await operator.getByRole("button", { name: "Add location" }).click();
    await expect.poll(() => operator.getByRole("status").first().innerText()).toContain("Added North store (north)");
    await expect.poll(() => operator.locator('tr[data-location="north"]').count()).toBe(1);
    expect(await locations.listLocations(DEMO_SHOP_ID)).toMatchObject([
      { code: "north", name: "North store", kind: "store", priority: 10, online: true },
      { code: "main", priority: 100, online: true },
    ]);
    await shot(operator, "locations-added");

    // Transfers: more than main has is refused under the line, naming what is free there; nothing moves.
    await operator.getByRole("link", { name: "Transfers" }).click();
    await operator.waitForURL(`${shopPath}/locations/transfers`);
    await operator.waitForLoadState("networkidle");
    await operator.getByLabel("From").selectOption("main");
    await operator.getByLabel("To").selectOption("north");
    await operator.getByLabel("Variant, line 1").fill(DRESS.sku);
    const option = operator.locator(`button[data-sku="${DRESS.sku}"][data-variant-key="${DRESS.variantKey}"]`);
    await expect.poll(() => option.innerText()).toContain("5 free at main");
    await option.click();
    await operator.getByLabel("Units, line 1").fill("9");
    await operator.getByRole("button", { name: "Transfer stock" }).click();
    await expect
      .poll(() => operator.locator('[id$="-quantity-error"]').innerText())
      .toBe("Units, line 1: 9 asked, 5 free at main");
    expect(await levels()).toEqual({ main: { quantity: 5, reserved: 0, incoming: 0 } });

    // Three units, in transit: they leave main now and reach north when received.
    await operator.getByLabel("Units, line 1").fill("3");
    await operator.getByLabel(/^In transit/).check();
    await operator.getByLabel("Note").fill("restock the north store");
    await operator.getByRole("button", { name: "Transfer stock" }).click();
    await expect
      .poll(() => operator.getByRole("status").first().innerText())
      .toContain("Moved 3 units of 1 variant from Main warehouse (main) to North store (north): in transit");
    const transfer = operator.locator("tr[data-transfer-id]").first();
    await expect.poll(() => transfer.getAttribute("data-status")).toBe("in_transit");
    expect(await transfer.innerText()).toMatch(/main → north[\s\S]*3 × Silk slip dress · Sand \/ M/);
    expect(await levels()).toEqual({
      main: { quantity: 2, reserved: 0, incoming: 0 },
      north: { quantity: 0, reserved: 0, incoming: 3 },
    });
    await shot(operator, "transfer-in-transit");
    await transfer.getByRole("button", { name: "Receive" }).click();
    await expect.poll(() => transfer.getAttribute("data-status")).toBe("received");
    expect(await transfer.innerText()).toContain(`by ${DEMO_OPERATOR.email}`);
    expect(await levels()).toEqual({
      main: { quantity: 2, reserved: 0, incoming: 0 },
      north: { quantity: 3, reserved: 0, incoming: 0 },
    });

    // The grid: the shop total (both locations sell online) and a column per location.
    await operator.goto(`${shopPath}/data/inventory?q=${DRESS.sku}`);
    await operator.waitForLoadState("networkidle");
    expect(await gridCell(operator, "Quantity")).toBe("5");
    expect(await gridCell(operator, "main")).toBe("2");
    expect(await gridCell(operator, "north")).toBe("3");

    // A buyer wants four: neither location has four, together they do.
    const buyer = await newPage();
    const shop = stack.shop.url;
    await buyer.goto(`${shop}/products/silk-slip-dress`);
    const variant = buyer.locator(`[data-sku="${DRESS.sku}"][data-variant-key="${DRESS.variantKey}"]`);
    await variant.click();
    await buyer.getByLabel("Quantity").fill("4");
    await buyer.getByRole("button", { name: "Add to cart" }).click();
    await buyer.waitForURL(`${shop}/cart`);
    await buyer.getByRole("button", { name: "Checkout" }).click();
    await buyer.waitForURL((url) => url.href.startsWith(`${stack.emulator.url}/checkout/`));
    // Held where the allocation put them: north first (priority 10), the rest from main.
    expect(await levels()).toEqual({
      main: { quantity: 2, reserved: 1, incoming: 0 },
      north: { quantity: 3, reserved: 3, incoming: 0 },
    });
    // While the buyer pays, north holds their units: the operator cannot take it off the online shop.
    await operator.goto(`${shopPath}/locations`);
    await operator.waitForLoadState("networkidle");
    await operator.locator('tr[data-location="north"]').getByRole("button", { name: "Edit" }).click();
    const editNorth = operator.getByRole("form", { name: "Edit north" });
    await editNorth.getByLabel("Sells online").uncheck();
    await editNorth.getByRole("button", { name: "Save location" }).click();
    await expect
      .poll(() => editNorth.locator(".error-box").innerText())
      .toMatch(/^Nothing was saved: units are held here\. north holds 3 units for active checkouts/);
    await shot(operator, "location-refused-held");
    expect((await locations.listLocations(DEMO_SHOP_ID)).find((l) => l.code === "north")).toMatchObject({
      fulfilsOnline: true,
      online: true,
    });
    await editNorth.getByRole("button", { name: "Cancel" }).click();

    await buyer.getByRole("button", { name: "Pay", exact: true }).click();
    await buyer.waitForURL((url) => url.href.startsWith(`${shop}/checkout/success`));
    await stack.emulator.idle();

    // The CMS shows the sale's two locations on the hold, and each location's quantity dropped by what it gave.
    await expect
      .poll(
        async () =>
          (await stack.holds.listHolds({ shopId: DEMO_SHOP_ID, status: "committed", now: new Date() })).length,
      )
      .toBe(1);
    await operator.goto(`${shopPath}/holds?status=committed`);
    const sold = operator.locator("tr[data-status='committed']").filter({ hasText: DRESS.sku });
    const line = sold.locator(".hold-items li").filter({ hasText: DRESS.sku });
    expect(await line.innerText()).toMatch(/Silk slip dress · Sand \/ M\s*CMP-SLIP-SAND\s*×\s*4 — /);
    expect(await line.locator(".hold-locations").getAttribute("data-locations")).toBe("2");
    expect(await line.locator('[data-location="north"]').innerText()).toMatch(/3 at north$/);
    expect(await line.locator('[data-location="main"]').innerText()).toMatch(/1 at main$/);
    await shot(operator, "holds-two-locations");
    expect(await levels()).toEqual({
      main: { quantity: 1, reserved: 0, incoming: 0 },
      north: { quantity: 0, reserved: 0, incoming: 0 },
    });
    for (const [location, quantity] of [
      ["north", "0"],
      ["main", "1"],
    ] as const) {
      await operator.goto(`${shopPath}/data/inventory?q=${DRESS.sku}&location=${location}`);
      await operator.waitForLoadState("networkidle");
      expect(await gridCell(operator, `Quantity at ${location}`)).toBe(quantity);
    }
    expect(await gridCell(operator, "Shop total")).toMatch(/^1\s+of 1 on hand$/);

    // Restocking main from the grid changes main only.
    const row = operator.locator(`.stock-table tr[data-sku="${DRESS.sku}"][data-variant-key="${DRESS.variantKey}"]`);
    await row.getByRole("button", { name: "Edit" }).click();
    await operator.getByLabel(/^Quantity at main of CMP-SLIP-SAND/).fill("6");
    await operator.selectOption('select[name="reason"]', "restock");
    await operator.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => operator.locator(".success-box").innerText()).toContain("quantity at main 1 → 6 (restock)");
    expect(await gridCell(operator, "Quantity at main")).toBe("6");
    expect(await gridCell(operator, "Shop total")).toMatch(/^6\s+of 6 on hand$/);
    await shot(operator, "grid-at-main");
    expect(await levels()).toEqual({
      main: { quantity: 6, reserved: 0, incoming: 0 },
      north: { quantity: 0, reserved: 0, incoming: 0 },
    });

    // The variant's ledger names each location: the transfer out of main and into north, a sale at each.
    await operator.goto(
      `${shopPath}/data/inventory/history?${new URLSearchParams({ sku: DRESS.sku, variantKey: DRESS.variantKey })}`,
    );
    const entries = await operator
      .locator(".ledger-table tbody tr[data-ledger-id]")
      .evaluateAll((rows) => rows.map((r) => `${r.getAttribute("data-reason")}@${r.getAttribute("data-location")}`));
    expect(entries[0]).toBe("restock@main");
    expect(entries.slice(1, 5).sort()).toEqual(["sale@main", "sale@north", "transfer_in@north", "transfer_out@main"]);
  });
});
