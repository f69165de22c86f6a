import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { createStripeClient } from "@acme/platform-core";
import { DEMO_OPERATOR, DEMO_SHOP_ID } from "@acme/platform-core/demo";
import { launchChromium } from "@acme/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHOP_DIR, startShopStack, type ShopStack } from "./start-shop-stack.ts";

// The systems around a shop, end to end in Chromium: production builds of the CMS and the shop, the Stripe emulator, a
// real PostgreSQL with the demo seeded, and a subscriber on loopback. An admin gives a WMS a token and an ERP a
// webhook in the CMS; the WMS counts a variant through the sync API; a buyer buys two of it; the ERP receives the
// count, the hold and the sale, signed, in order; a partial refund no set of units makes waits on the Returns page
// until the operator puts one unit back, and the stock grid shows it.

/** The demo's coral linen tee in L: 6 units at main, 38.00 each. */
const TEE = { sku: "CMP-TEE-CORAL", variantKey: "color=coral|size=l" };
const SHOTS = path.join(SHOP_DIR, "test-results", "screenshots");

interface StockEvent {
  id: string;
  type: string;
  sequence: number;
  sku: string;
  variantKey: string;
  reason: string;
  quantity: { before: number; after: number };
  reserved: { before: number; after: number };
}

/** What the subscriber was sent: every request, with whether its signature verified under the secret shown once. */
interface Received {
  signed: boolean;
  events: StockEvent[];
}

let stack: ShopStack;
let browser: Browser;
let subscriber: Server;
let subscriberUrl: string;
let secret = "";
const received: Received[] = [];
const contexts: BrowserContext[] = [];

/** The documented check (docs/stock-events.md): HMAC-SHA256 of "<t>.<raw body>", t within 5 minutes. */
function verifies(rawBody: string, header: string | undefined): boolean {
  if (!header || !secret) return false;
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=") as [string, string]));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${rawBody}`).digest("hex");
  const given = parts.v1 ?? "";
  return (
    Math.abs(Date.now() / 1000 - Number(parts.t)) <= 300 &&
    given.length === expected.length &&
    timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  );
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  subscriber = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const signed = verifies(raw, request.headers["x-acme-signature"] as string | undefined);
      received.push({ signed, events: (JSON.parse(raw) as { events: StockEvent[] }).events });
      response.statusCode = signed ? 200 : 401;
      response.end();
    });
  });
  await new Promise<void>((resolve) => subscriber.listen(0, "127.0.0.1", resolve));
  subscriberUrl = `http://127.0.0.1:${(subscriber.address() as { port: number }).port}/stock-events`;
  // next start runs the CMS as production, which refuses loopback subscription URLs unless told otherwise.
  [stack, browser] = await Promise.all([
    startShopStack({ cmsEnv: { STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS: "1" } }),
    launchChromium(),
  ]);
}, 240_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => subscriber?.close(resolve));
});

async function newPage(width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  contexts.push(context);
  return context.newPage();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The tee's quantity, reserved and version, from the library. */
async function tee() {
  const item = await stack.store.getItem(DEMO_SHOP_ID, TEE);
  return { quantity: item!.quantity, reserved: item!.reserved };
}

/** The tee's events the subscriber has received, each once (delivery is at least once), in the order received. */
function teeEvents(): StockEvent[] {
  const seen = new Map<string, StockEvent>();
  for (const request of received)
    for (const event of request.events)
      if (event.sku === TEE.sku && event.variantKey === TEE.variantKey && !seen.has(event.id))
        seen.set(event.id, event);
  return [...seen.values()];
}

/** Runs the delivery cron (the safety net behind after()), as Vercel cron would. */
async function runDeliveryCron(): Promise<void> {
  const response = await fetch(`${stack.cms.url}/api/cron/stock-events`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.cronSecret}` },
  });
  expect(response.status).toBe(200);
}

/** Waits until the subscriber has the tee's events of `types`, running the cron between looks if after() has not. */
async function waitForEvents(types: string[]): Promise<StockEvent[]> {
  await expect
    .poll(
      async () => {
        const got = teeEvents().map((event) => event.type);
        if (got.length < types.length) await runDeliveryCron();
        return got;
      },
      { timeout: 20_000, interval: 300 },
    )
    .toEqual(types);
  return teeEvents();
}

/** A grid cell by its column header, for the tee's row. */
async function gridCell(page: Page, header: string): Promise<string> {
  const headers = (await page.locator(".stock-table thead th").allInnerTexts()).map((text) =>
    text.replace(/[▲▼]/g, "").trim(),
  );
  const index = headers.indexOf(header);
  expect(index, `column ${header} in ${headers.join(" | ")}`).toBeGreaterThanOrEqual(0);
  const row = page.locator(`.stock-table tr[data-sku="${TEE.sku}"][data-variant-key="${TEE.variantKey}"]`);
  return (await row.locator("td").nth(index).innerText()).trim();
}

describe("stock flows around a shop (Chromium, production builds, PostgreSQL, Stripe emulator, a subscriber)", () => {
  it("a token and a webhook from the CMS; a sync, a sale and a refund reach the subscriber and the stock", async () => {
    const cms = stack.cms.url;
    expect(await tee()).toEqual({ quantity: 6, reserved: 0 });

    // The admin signs in on the Integrations page. A nameless integration for no shop is refused at each field.
    const operator = await newPage();
    await operator.goto(`${cms}/login?next=${encodeURIComponent("/cms/integrations")}`);
    await operator.locator('input[name="email"]').fill(DEMO_OPERATOR.email);
    await operator.locator('input[name="password"]').fill(DEMO_OPERATOR.password);
    await operator.getByRole("button", { name: "Sign in" }).click();
    await operator.waitForURL(`${cms}/cms/integrations`);
    await operator.waitForLoadState("networkidle");
    await operator.getByRole("button", { name: "Create integration" }).click();
    await expect.poll(() => operator.locator("#integration-name-error").innerText()).toMatch(/^Name: /);
    expect(await operator.locator("#integration-shops-error").innerText()).toMatch(/^Shops: /);
    expect(await operator.locator("tr[data-integration]").count()).toBe(0);

    // The WMS's integration, for this shop: its token is shown this once.
    await operator.getByLabel("Name").fill("North WMS");
    await operator.getByRole("checkbox", { name: DEMO_SHOP_ID }).check();
    await operator.getByRole("button", { name: "Create integration" }).click();
    const token = (await operator.getByTestId("integration-token").innerText()).trim();
    expect(token).toMatch(/^acme_int_[A-Za-z0-9_-]{43}$/);
    const listed = operator.locator("tr[data-integration]").filter({ hasText: "North WMS" });
    await expect.poll(() => listed.innerText()).toContain(`${token.slice(0, 13)}…`);
    expect(await listed.innerText()).not.toContain(token);
    await shot(operator, "integration-token-once");

    // The ERP's webhook, pointing at the subscriber; its signing secret is shown this once.
    await operator.getByRole("link", { name: "Webhooks" }).click();
    await operator.waitForURL(`${cms}/cms/webhooks`);
    await operator.waitForLoadState("networkidle");
    await operator.getByLabel("Name").fill("ERP stock feed");
    await operator.getByLabel("URL (https)").fill(subscriberUrl);
    await operator.getByRole("group", { name: "Shops" }).getByRole("checkbox", { name: DEMO_SHOP_ID }).check();
    await operator.getByRole("button", { name: "Add webhook" }).click();
    secret = (await operator.getByTestId("webhook-secret").innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    const webhookLink = operator.getByRole("link", { name: "ERP stock feed" });
    await webhookLink.waitFor();
    const webhookPath = (await webhookLink.getAttribute("href"))!;

    // The WMS counts 10 of the tee (it read 6): applied once; the same request with the same key replays.
    const sync = () =>
      fetch(`${cms}/api/v1/shops/${DEMO_SHOP_ID}/inventory/set-quantities`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "idempotency-key": "north-count-1",
          "content-type": "application/json",
        },
        body: JSON.stringify({
          reason: "cycle_count",
          reference: "COUNT-1",
          lines: [{ ...TEE, quantity: 10, compareQuantity: 6 }],
        }),
      });
    const first = await sync();
    const firstBody = (await first.json()) as unknown;
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(firstBody).toMatchObject({
      applied: 1,
      refused: 0,
      lines: [{ outcome: "applied", ...TEE, location: "main", quantity: 10, previousQuantity: 6 }],
    });
    const again = await sync();
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
    expect(await tee()).toEqual({ quantity: 10, reserved: 0 });

    // A buyer buys two and pays on the emulator's page.
    const buyer = await newPage();
    const shop = stack.shop.url;
    await buyer.goto(`${shop}/products/linen-tee`);
    await buyer.locator(`[data-sku="${TEE.sku}"][data-variant-key="${TEE.variantKey}"]`).click();
    await buyer.getByLabel("Quantity").fill("2");
    await buyer.getByRole("button", { name: "Add to cart" }).click();
    await buyer.waitForURL(`${shop}/cart`);
    await buyer.getByRole("button", { name: "Checkout" }).click();
    await buyer.waitForURL((url) => url.href.startsWith(`${stack.emulator.url}/checkout/`));
    const sessionId = new URL(buyer.url()).pathname.split("/").pop()!;
    expect(await tee()).toEqual({ quantity: 10, reserved: 2 });
    await buyer.getByRole("button", { name: "Pay", exact: true }).click();
    await buyer.waitForURL((url) => url.href.startsWith(`${shop}/checkout/success`));
    await stack.emulator.idle();
    await expect.poll(tee).toEqual({ quantity: 8, reserved: 0 });

    // The subscriber has the count, the hold and the sale, signed, each once, in sequence order with no gap.
    const events = await waitForEvents(["stock.adjusted", "stock.held", "stock.sold"]);
    expect(received.every((request) => request.signed)).toBe(true);
    expect(events.map((event) => [event.reason, event.quantity, event.reserved])).toEqual([
      ["sync", { before: 6, after: 10 }, { before: 0, after: 0 }],
      ["hold", { before: 10, after: 10 }, { before: 0, after: 2 }],
      ["sale", { before: 10, after: 8 }, { before: 2, after: 0 }],
    ]);
    const sequences = events.map((event) => event.sequence);
    expect(sequences).toEqual([sequences[0], sequences[0]! + 1, sequences[0]! + 2]);
    expect(events.map((event) => event.id)).toEqual(sequences.map((seq) => `${DEMO_SHOP_ID}:${seq}`));

    // The webhook's page: the shop's cursor is up to date and the log shows the sent deliveries.
    await operator.goto(`${cms}${webhookPath}`);
    await operator.waitForLoadState("networkidle");
    expect(await operator.locator(`tr[data-shop="${DEMO_SHOP_ID}"]`).innerText()).toContain("up to date");
    const deliveries = operator.locator("table.delivery-log tbody tr");
    expect(await deliveries.count()).toBeGreaterThanOrEqual(1);
    expect(await deliveries.locator(".badge").allInnerTexts()).toEqual(
      Array.from({ length: await deliveries.count() }, () => "sent"),
    );
    expect(await deliveries.first().innerText()).toContain(`#${sequences[2]}`);
    await shot(operator, "webhook-deliveries");

    // A refund of 50.00 of the 76.00 paid, made through the Stripe SDK: no set of whole units makes it, so it waits.
    const stripe = createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: stack.emulator.url });
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    const refund = await stripe.refunds.create({ payment_intent: session.payment_intent as string, amount: 5000 });
    expect(refund.status).toBe("succeeded");
    await stack.emulator.idle();
    expect(await tee()).toEqual({ quantity: 8, reserved: 0 });

    await operator.goto(`${cms}/cms/shop/${DEMO_SHOP_ID}/returns`);
    await operator.waitForLoadState("networkidle");
    const pending = operator.locator(`[data-testid="pending-return"][data-refund="${refund.id}"]`);
    expect(await pending.locator("h3").innerText()).toBe("50.00 USD refunded of 76.00 USD paid");
    expect(await pending.innerText()).toContain("No set of units makes the refunded amount");
    const line = pending.locator(`tr[data-sku="${TEE.sku}"][data-variant-key="${TEE.variantKey}"]`);
    expect(await line.innerText()).toMatch(/Linen tee — Coral \/ L[\s\S]*main[\s\S]*38\.00 USD[\s\S]*2/);
    await shot(operator, "return-pending");

    // The operator puts one unit back.
    await pending.getByLabel("Units of Linen tee — Coral / L to put back at main").fill("1");
    await pending.getByLabel("Note (optional)").fill("one came back unworn");
    await pending.getByRole("button", { name: "Restock" }).click();
    await expect.poll(() => operator.getByTestId("no-pending-returns").count()).toBe(1);
    const decided = operator.locator(`[data-testid="recent-returns"] tr[data-refund="${refund.id}"]`);
    expect(await decided.getAttribute("data-status")).toBe("restocked");
    expect(await decided.innerText()).toContain("1 × Linen tee — Coral / L at main");
    expect(await tee()).toEqual({ quantity: 9, reserved: 0 });

    // The grid shows the unit back, and the subscriber hears of it.
    await operator.goto(`${cms}/cms/shop/${DEMO_SHOP_ID}/data/inventory?q=${TEE.sku}`);
    await operator.waitForLoadState("networkidle");
    expect(await gridCell(operator, "Quantity")).toBe("9");
    await shot(operator, "grid-after-return");
    const returned = (await waitForEvents(["stock.adjusted", "stock.held", "stock.sold", "stock.returned"]))[3]!;
    expect([returned.sequence, returned.reason, returned.quantity]).toEqual([
      sequences[2]! + 1,
      "return",
      { before: 8, after: 9 },
    ]);
  }, 120_000);
});
