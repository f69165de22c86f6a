import { serveFetchHandler, type ServedFetchHandler } from "@acme/testkit";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaOpsAlertStore } from "../src/alerts/ops-alert-store.ts";
import { createCheckoutSession, type CheckoutCart } from "../src/checkout/create-checkout-session.ts";
import { createStripeClient } from "../src/checkout/stripe-client.ts";
import { isInventoryError } from "../src/errors/inventory-error.ts";
import { getInventoryHold } from "../src/holds/get-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { variantKey } from "../src/variants/variant-key.ts";
import { handleStripeWebhook } from "../src/webhooks/handle-stripe-webhook.ts";
import { createPrismaWebhookEventLog } from "../src/webhooks/webhook-event-log.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Checkout end to end: the official Stripe SDK against the local emulator,
// webhooks signed by the emulator and received over HTTP by the real handler,
// stock on real PostgreSQL.

const SHOP = "cover-me-pretty";
const WEBHOOK_SECRET = "whsec_checkout_test";
let db: TestDatabase;
let emulator: StripeEmulator;
let webhook: ServedFetchHandler;
const stores = () => ({ holds: createPrismaHoldStore(db), store: createPrismaInventoryStore(db) });
const stock = () => createPrismaInventoryStore(db);
const shirtM = variantKey({ size: "M" });

function cart(quantity: number, extra: Partial<CheckoutCart> = {}): CheckoutCart {
  return {
    currency: "usd",
    lines: [{ sku: "SHIRT", variantAttributes: { Size: "m" }, name: "Linen shirt (M)", unitAmount: 4500, quantity }],
    ...extra,
  };
}

function checkout(body: CheckoutCart, mode: "validate_only" | "reserve_ttl", extra: Record<string, unknown> = {}) {
  return createCheckoutSession(body, {
    shopId: SHOP,
    inventoryMode: mode,
    successUrl: "http://shop.test/checkout/success?session={CHECKOUT_SESSION_ID}",
    cancelUrl: "http://shop.test/cart",
    stripe: createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: emulator.url }),
    skipInventoryValidation: false,
    ...stores(),
    ...extra,
  });
}

async function shirt() {
  return (await stock().getItem(SHOP, { sku: "SHIRT", variantKey: shirtM }))!;
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 10 });
  webhook = await serveFetchHandler((request) =>
    handleStripeWebhook(request, {
      secret: WEBHOOK_SECRET,
      holds: createPrismaHoldStore(db),
      events: createPrismaWebhookEventLog(db),
      alerts: createPrismaOpsAlertStore(db),
    }),
  );
  emulator = await startStripeEmulator({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: `${webhook.url}/api/stripe/webhook`,
    retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
  });
});
afterAll(async () => {
  await emulator?.stop();
  await webhook?.stop();
  await db?.destroy();
});
beforeEach(async () => {
  await db.pool.query(`TRUNCATE "InventoryItem", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "ProcessedWebhookEvent", "OpsAlert", "OversoldSale" RESTART IDENTITY`);
  await stock().upsertItems(SHOP, [{ sku: "SHIRT", productId: "shirt", variantAttributes: { size: "M" }, quantity: 3 }], { reason: "import", actor: "t" });
});

describe("validate_only", () => {
  it("refuses a cart the shelves cannot fill, before any session exists", async () => {
    const sessionsBefore = emulator.sessions().length;
    const error = await checkout(cart(4), "validate_only").catch((caught: unknown) => caught);
    expect(isInventoryError(error, "inventory_insufficient")).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ items: [{ sku: "SHIRT", variantKey: shirtM, requested: 4, available: 3 }] });
    expect(emulator.sessions()).toHaveLength(sessionsBefore);
  });

  it("creates a session holding nothing, and payment sells the stock once", async () => {
    const result = await checkout(cart(2), "validate_only");
    expect(result).toMatchObject({ inventoryMode: "validate_only" });
    expect(result.holdId).toBeUndefined();
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
    const { event } = emulator.pay(result.sessionId);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    await emulator.resend(event.id);
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
  });
});

describe("reserve_ttl", () => {
  it("holds the stock with metadata and expiry reconciled, and payment commits it", async () => {
    const now = Date.now();
    const result = await checkout(cart(2), "reserve_ttl", { inventoryHoldTtlSeconds: 1200 });
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 2, available: 1 });
    const session = emulator.session(result.sessionId);
    expect(session.metadata).toMatchObject({ shop_id: SHOP, inventory_reservation_id: result.holdId, inventory_mode: "reserve_ttl" });
    // Operators go from the hold to the session that pays for it.
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({
      checkoutSessionId: result.sessionId,
    });
    // Stripe's 30-minute minimum wins over the 20-minute request, and the hold outlives the session.
    const sessionSeconds = (result.sessionExpiresAt.getTime() - now) / 1000;
    expect(sessionSeconds).toBeGreaterThanOrEqual(31 * 60 - 5);
    expect(result.holdExpiresAt!.getTime() - result.sessionExpiresAt.getTime()).toBeGreaterThanOrEqual(5 * 60 * 1000 - 1000);

    // A second buyer cannot take the held units.
    const second = await checkout(cart(2), "reserve_ttl").catch((caught: unknown) => caught);
    expect(isInventoryError(second, "inventory_insufficient")).toBe(true);

    const { redirectUrl } = emulator.pay(result.sessionId);
    expect(redirectUrl).toBe(`http://shop.test/checkout/success?session=${result.sessionId}`);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({ status: "committed" });
    const [sale] = await stock().listLedger(SHOP, { sku: "SHIRT", variantKey: shirtM });
    expect(sale).toMatchObject({ reason: "sale", delta: -2, holdId: result.holdId, actor: "stripe-webhook" });
  });

  it("releases the hold when the session expires at Stripe", async () => {
    const result = await checkout(cart(3), "reserve_ttl");
    expect(await shirt()).toMatchObject({ reserved: 3 });
    await createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: emulator.url }).checkout.sessions.expire(result.sessionId);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({ status: "released" });
  });

  it("a buyer who cancels keeps nothing once the session expires", async () => {
    const result = await checkout(cart(1), "reserve_ttl");
    const { redirectUrl } = emulator.cancel(result.sessionId);
    expect(redirectUrl).toBe("http://shop.test/cart");
    expect(await shirt()).toMatchObject({ reserved: 1 });
    emulator.expire(result.sessionId);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
  });

  it("delayed payment: the hold waits for the bank transfer, then commits", async () => {
    const result = await checkout(cart(1), "reserve_ttl");
    emulator.pay(result.sessionId, { delayed: true });
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 1 });
    emulator.asyncPaymentSucceeded(result.sessionId);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 2, reserved: 0 });
  });

  it("the same completed event delivered ten times, at once and again later, commits once", async () => {
    const result = await checkout(cart(2), "reserve_ttl");
    const { event } = emulator.pay(result.sessionId);
    await emulator.idle();
    await Promise.all(Array.from({ length: 10 }, () => emulator.resend(event.id)));
    await emulator.resend(event.id);
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    expect((await stock().listLedger(SHOP, { sku: "SHIRT", variantKey: shirtM })).filter((e) => e.reason === "sale")).toHaveLength(1);
    const failed = emulator.deliveries().filter((d) => d.eventId === event.id && d.status !== 200);
    expect(failed).toEqual([]);
  });

  it("Stripe failing on session creation releases the hold: nothing leaks", async () => {
    emulator.failNextCreate(500, "Stripe is having a bad day");
    const error = await checkout(cart(2), "reserve_ttl").catch((caught: unknown) => caught);
    expect(isInventoryError(error, "unavailable")).toBe(true);
    expect((error as { status: number }).status).toBe(503);
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
    const holds = await stores().holds.listHolds({ shopId: SHOP, now: new Date() });
    expect(holds.map((h) => h.status)).toEqual(["released"]);
    emulator.failNextCreate(402, "Your card was declined.", { type: "card_error", code: "card_declined" });
    await checkout(cart(1), "reserve_ttl").catch(() => undefined);
    expect(await shirt()).toMatchObject({ reserved: 0 });
    expect((await reconcileInventoryReserved({ store: stores().holds })).drift).toEqual([]);
  });

  it("a retried checkout with the same idempotency key replays the session and keeps its hold", async () => {
    const first = await checkout(cart(2), "reserve_ttl", { idempotencyKey: "cart-42" });
    const again = await checkout(cart(2), "reserve_ttl", { idempotencyKey: "cart-42" });
    expect(again.sessionId).toBe(first.sessionId);
    expect(again.holdId).toBe(first.holdId);
    expect(await shirt()).toMatchObject({ reserved: 2 });
    emulator.pay(first.sessionId);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
  });

  it("after Stripe failed, a retry with the same idempotency key holds stock again and succeeds", async () => {
    emulator.failNextCreate(500, "Stripe is having a bad day");
    const failed = await checkout(cart(2), "reserve_ttl", { idempotencyKey: "cart-43" }).catch((caught: unknown) => caught);
    expect(isInventoryError(failed, "unavailable")).toBe(true);
    expect(await shirt()).toMatchObject({ reserved: 0 });
    const retried = await checkout(cart(2), "reserve_ttl", { idempotencyKey: "cart-43" });
    expect(await shirt()).toMatchObject({ reserved: 2 });
    expect(emulator.session(retried.sessionId).metadata).toMatchObject({ inventory_reservation_id: retried.holdId });
  });

  it("the rollback switch skips inventory entirely", async () => {
    const result = await checkout(cart(5), "reserve_ttl", { skipInventoryValidation: true });
    expect(result.holdId).toBeUndefined();
    expect(emulator.session(result.sessionId).metadata).toMatchObject({ inventory_mode: "skipped" });
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
  });

  it("refuses a malformed cart or options with field errors and creates nothing", async () => {
    const sessionsBefore = emulator.sessions().length;
    const bad = await checkout({ currency: "USD", lines: [{ sku: "", name: "", unitAmount: -1, quantity: 0 }] }, "reserve_ttl").catch((e: unknown) => e);
    expect(isInventoryError(bad, "validation_failed")).toBe(true);
    const fields = ((bad as { details: { errors: Array<{ field: string }> } }).details.errors).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["cart.currency", "cart.lines.0.sku", "cart.lines.0.unitAmount", "cart.lines.0.quantity"]));
    const badUrl = await checkout(cart(1), "reserve_ttl", { successUrl: "not a url" }).catch((e: unknown) => e);
    expect(isInventoryError(badUrl, "validation_failed")).toBe(true);
    expect(emulator.sessions()).toHaveLength(sessionsBefore);
    expect(await shirt()).toMatchObject({ reserved: 0 });
  });
});
