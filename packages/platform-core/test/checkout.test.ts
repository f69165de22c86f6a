import { serveFetchHandler, type ServedFetchHandler } from "@acme/testkit";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaOpsAlertStore } from "../src/alerts/ops-alert-store.ts";
import {
  createCheckoutSession,
  type CheckoutCart,
  type CheckoutSessionResult,
} from "../src/checkout/create-checkout-session.ts";
import { expireLapsedCheckoutSessions } from "../src/checkout/expire-lapsed-checkout-sessions.ts";
import { prepareCheckoutSession } from "../src/checkout/prepare-checkout-session.ts";
import { createPrismaSessionRequestStore } from "../src/checkout/session-request-store.ts";
import { createDatabaseStripePacer } from "../src/checkout/stripe-pacer.ts";
import { getEnv } from "../src/env.ts";
import { releaseExpiredInventoryHolds } from "../src/holds/release-expired-inventory-holds.ts";
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
const stores = () => ({
  holds: createPrismaHoldStore(db),
  store: createPrismaInventoryStore(db),
  requests: createPrismaSessionRequestStore(db),
  pacer: createDatabaseStripePacer(db, getEnv()),
});
const stripe = () => createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: emulator.url });
const stock = () => createPrismaInventoryStore(db);
const shirtM = variantKey({ size: "M" });

function cart(quantity: number, extra: Partial<CheckoutCart> = {}): CheckoutCart {
  return {
    currency: "usd",
    lines: [{ sku: "SHIRT", variantAttributes: { Size: "m" }, name: "Linen shirt (M)", unitAmount: 4500, quantity }],
    ...extra,
  };
}

function attempt(
  body: CheckoutCart,
  mode: "validate_only" | "reserve_ttl",
  extra: Record<string, unknown> = {},
): Promise<CheckoutSessionResult> {
  return createCheckoutSession(body, {
    shopId: SHOP,
    inventoryMode: mode,
    successUrl: "http://shop.test/checkout/success?session={CHECKOUT_SESSION_ID}",
    cancelUrl: "http://shop.test/cart",
    stripe: stripe(),
    skipInventoryValidation: false,
    ...stores(),
    ...extra,
  });
}

/** A checkout whose session was made within the call. */
async function checkout(
  body: CheckoutCart,
  mode: "validate_only" | "reserve_ttl",
  extra: Record<string, unknown> = {},
) {
  const result = await attempt(body, mode, extra);
  if (result.status !== "ready")
    throw new Error(
      `expected a ready checkout, got ${result.status}: ${JSON.stringify(emulator.requests().slice(-4))}`,
    );
  return result;
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
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "ProcessedWebhookEvent", "OpsAlert", "OversoldSale", "CheckoutSessionRequest" RESTART IDENTITY`,
  );
  await stock().upsertItems(
    SHOP,
    [{ sku: "SHIRT", productId: "shirt", variantAttributes: { size: "M" }, quantity: 3 }],
    { reason: "import", actor: "t" },
  );
});

describe("validate_only", () => {
  it("refuses a cart the shelves cannot fill, before any session exists", async () => {
    const sessionsBefore = emulator.sessions().length;
    const error = await checkout(cart(4), "validate_only").catch((caught: unknown) => caught);
    expect(isInventoryError(error, "inventory_insufficient")).toBe(true);
    expect((error as { details: unknown }).details).toEqual({
      items: [{ sku: "SHIRT", variantKey: shirtM, requested: 4, available: 3 }],
    });
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

  it("a 5xx from Stripe is retried under a new key (Stripe replays a 5xx under its key), and the session is made", async () => {
    emulator.failNextCreate(500, "Stripe is having a bad day");
    const result = await checkout(cart(1), "validate_only");
    const creates = emulator
      .requests()
      .filter((r) => r.method === "POST" && r.path === "/v1/checkout/sessions")
      .slice(-2);
    expect(creates.map((r) => r.status)).toEqual([500, 200]);
    expect(creates[1]!.idempotencyKey).toBe(`${creates[0]!.idempotencyKey}:r1`);
    expect(emulator.session(result.sessionId).status).toBe("open");
  });
});

describe("reserve_ttl", () => {
  it("holds the stock with metadata and expiry reconciled, and payment commits it", async () => {
    const now = Date.now();
    const result = await checkout(cart(2), "reserve_ttl", { inventoryHoldTtlSeconds: 1200 });
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 2, available: 1 });
    const session = emulator.session(result.sessionId);
    expect(session.metadata).toMatchObject({
      shop_id: SHOP,
      inventory_reservation_id: result.holdId,
      inventory_mode: "reserve_ttl",
    });
    // Operators go from the hold to the session that pays for it.
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({
      checkoutSessionId: result.sessionId,
    });
    // The hold keeps the 20 minutes asked for; the session gets Stripe's 30-minute minimum plus the time to prepare it.
    expect(Math.abs(result.holdExpiresAt!.getTime() - (now + 1200 * 1000))).toBeLessThan(5_000);
    const sessionSeconds = (result.sessionExpiresAt.getTime() - now) / 1000;
    expect(sessionSeconds).toBeGreaterThanOrEqual(34 * 60 - 5);
    expect(emulator.session(result.sessionId).expires_at).toBe(Math.floor(result.sessionExpiresAt.getTime() / 1000));

    // A second buyer cannot take the held units.
    const second = await checkout(cart(2), "reserve_ttl").catch((caught: unknown) => caught);
    expect(isInventoryError(second, "inventory_insufficient")).toBe(true);

    const { redirectUrl } = emulator.pay(result.sessionId);
    expect(redirectUrl).toBe(`http://shop.test/checkout/success?session=${result.sessionId}`);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({
      status: "committed",
    });
    const [sale] = await stock().listLedger(SHOP, { sku: "SHIRT", variantKey: shirtM });
    expect(sale).toMatchObject({ reason: "sale", delta: -2, holdId: result.holdId, actor: "stripe-webhook" });
  });

  it("releases the hold when the session expires at Stripe", async () => {
    const result = await checkout(cart(3), "reserve_ttl");
    expect(await shirt()).toMatchObject({ reserved: 3 });
    await createStripeClient({
      STRIPE_SECRET_KEY: undefined,
      STRIPE_API_BASE_URL: emulator.url,
    }).checkout.sessions.expire(result.sessionId);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({
      status: "released",
    });
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
    expect(
      (await stock().listLedger(SHOP, { sku: "SHIRT", variantKey: shirtM })).filter((e) => e.reason === "sale"),
    ).toHaveLength(1);
    const failed = emulator.deliveries().filter((d) => d.eventId === event.id && d.status !== 200);
    expect(failed).toEqual([]);
  });

  it("Stripe failing on session creation keeps the hold and the retry makes the session", async () => {
    emulator.failNextCreate(500, "Stripe is having a bad day");
    const result = await checkout(cart(2), "reserve_ttl");
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 2 });
    const creates = emulator.requests().filter((r) => r.method === "POST" && r.path === "/v1/checkout/sessions");
    expect(creates.slice(-2).map((r) => r.status)).toEqual([500, 200]);
    expect(emulator.session(result.sessionId).metadata).toMatchObject({ inventory_reservation_id: result.holdId });
    expect((await reconcileInventoryReserved({ store: stores().holds })).drift).toEqual([]);
  });

  it("a permanent refusal releases the hold at once and answers payment_rejected naming Stripe's code", async () => {
    emulator.failNextCreate(400, "Amount must convert to at least 50 cents.", { code: "amount_too_small" });
    const error = await attempt(cart(2), "reserve_ttl").catch((caught: unknown) => caught);
    expect(isInventoryError(error, "payment_rejected")).toBe(true);
    expect((error as { status: number }).status).toBe(422);
    expect((error as { details: { provider: { code: string } } }).details.provider).toMatchObject({
      name: "stripe",
      code: "amount_too_small",
      status: 400,
    });
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
    const holds = await stores().holds.listHolds({ shopId: SHOP, now: new Date() });
    expect(holds.map((h) => h.status)).toEqual(["released"]);
    emulator.failNextCreate(402, "Your card was declined.", { type: "card_error", code: "card_declined" });
    await attempt(cart(1), "reserve_ttl").catch(() => undefined);
    expect(await shirt()).toMatchObject({ reserved: 0 });
    expect((await reconcileInventoryReserved({ store: stores().holds })).drift).toEqual([]);
  });

  it("Stripe down past the call's wait: the answer is preparing with the stock held, and a later call finishes it", async () => {
    for (let i = 0; i < 4; i++) emulator.failNextCreate(503, "Stripe is down");
    const result = await attempt(cart(2), "reserve_ttl", { waitMs: 300 });
    expect(result).toMatchObject({ status: "preparing" });
    expect(result.holdId).toBeDefined();
    expect(await shirt()).toMatchObject({ reserved: 2 });
    // The failures still queued are spent by the retries below.
    let prepared = await prepareCheckoutSession({
      shopId: SHOP,
      holdId: result.holdId!,
      budgetMs: 15_000,
      stripe: stripe(),
      ...stores(),
    });
    expect(prepared.state).toBe("ready");
    if (prepared.state !== "ready") return;
    // Every attempt used the hold's one idempotency key: one session.
    expect(emulator.sessions().filter((s) => s.metadata?.inventory_reservation_id === result.holdId)).toHaveLength(1);
    prepared = await prepareCheckoutSession({
      shopId: SHOP,
      holdId: result.holdId!,
      budgetMs: 0,
      stripe: stripe(),
      ...stores(),
    });
    expect(prepared).toMatchObject({ state: "ready" });
    emulator.pay(prepared.state === "ready" ? prepared.sessionId : "");
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
  }, 30_000);

  it("past the time its expires_at allows, the request gets fresh times under a new key while the hold lasts", async () => {
    for (let i = 0; i < 2; i++) emulator.failNextCreate(503, "Stripe is down");
    const result = await attempt(cart(2), "reserve_ttl", { waitMs: 0 });
    expect(result).toMatchObject({ status: "preparing" });
    const before = (await stores().requests.get({ shopId: SHOP, holdId: result.holdId! }))!;
    // Four minutes on: the first expires_at would now be under Stripe's 30 minutes away.
    const later = Date.now() + 4 * 60 * 1000;
    const prepared = await prepareCheckoutSession({
      shopId: SHOP,
      holdId: result.holdId!,
      budgetMs: 5_000,
      stripe: stripe(),
      ...stores(),
      clock: () => Date.now() + 4 * 60 * 1000,
    });
    expect(prepared.state).toBe("ready");
    const after = (await stores().requests.get({ shopId: SHOP, holdId: result.holdId! }))!;
    expect(after.sessionExpiresAt.getTime()).toBeGreaterThanOrEqual(
      before.sessionExpiresAt.getTime() + 4 * 60 * 1000 - 1_000,
    );
    expect(after.stripeIdempotencyKey).not.toBe(before.stripeIdempotencyKey);
    if (prepared.state === "ready")
      expect(emulator.session(prepared.sessionId).expires_at).toBe(Math.floor(after.sessionExpiresAt.getTime() / 1000));
    expect(after.prepareBy.getTime()).toBeGreaterThan(later);
    expect(await shirt()).toMatchObject({ reserved: 2 });
  });

  it("a hold that ended stops the attempts: the request fails with the hold's end, every later call alike", async () => {
    // One failure, for the one attempt a zero wait makes: a failure left queued would reach the next test.
    emulator.failNextCreate(503, "Stripe is down");
    const result = await attempt(cart(2), "reserve_ttl", { waitMs: 0 });
    expect(result).toMatchObject({ status: "preparing" });
    await db.pool.query(`UPDATE "InventoryHold" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [
      result.holdId,
    ]);
    const error = await prepareCheckoutSession({
      shopId: SHOP,
      holdId: result.holdId!,
      budgetMs: 1_000,
      stripe: stripe(),
      ...stores(),
    }).catch((caught: unknown) => caught);
    expect(isInventoryError(error, "conflict")).toBe(true);
    expect(await shirt()).toMatchObject({ reserved: 0 });
    const again = await prepareCheckoutSession({
      shopId: SHOP,
      holdId: result.holdId!,
      budgetMs: 0,
      stripe: stripe(),
      ...stores(),
    }).catch((caught: unknown) => caught);
    expect(isInventoryError(again, "conflict")).toBe(true);
    // No session was made for it.
    expect(
      emulator.sessions().filter((session) => session.metadata?.inventory_reservation_id === result.holdId),
    ).toEqual([]);
  });

  it("an attempt whose lease ran out writes nothing, and the session it made is expired at once", async () => {
    emulator.failNextCreate(503, "Stripe is down");
    const raced = await attempt(cart(1), "reserve_ttl", { waitMs: 0 });
    expect(raced).toMatchObject({ status: "preparing" });
    const holdId = raced.holdId!;
    emulator.setLatency(1_000);
    const first = prepareCheckoutSession({ shopId: SHOP, holdId, budgetMs: 3_000, stripe: stripe(), ...stores() });
    // While the first attempt is in flight, another caller took the request over (the first's lease
    // ran out) and made its session under a newer key.
    await new Promise((resolve) => setTimeout(resolve, 700));
    // The first call's delay is already under way; the other caller's call is answered at once.
    emulator.setLatency(0);
    const other = await stripe().checkout.sessions.create(
      { ...(await stores().requests.get({ shopId: SHOP, holdId }))!.params },
      { idempotencyKey: `other-${holdId}` },
    );
    await db.pool.query(
      `UPDATE "CheckoutSessionRequest" SET state = 'ready', "sessionId" = $2, url = $3, "leaseId" = NULL, "leaseUntil" = NULL WHERE "holdId" = $1`,
      [holdId, other.id, other.url],
    );
    const late = await first;
    // The first caller wrote nothing, expired its own session, and answers with the request's.
    expect(late).toMatchObject({ state: "ready", sessionId: other.id });
    const sessions = emulator.sessions().filter((session) => session.metadata?.inventory_reservation_id === holdId);
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((session) => session.status === "open").map((session) => session.id)).toEqual([other.id]);
  }, 30_000);

  it("the hold's TTL is honoured: just before it is up, the reaper expires the session through the API", async () => {
    const result = await checkout(cart(2), "reserve_ttl", { inventoryHoldTtlSeconds: 1200 });
    expect(emulator.session(result.sessionId).status).toBe("open");
    const end = result.holdExpiresAt!.getTime();
    // Not yet: the hold has more than the reaper's lead (90 s) left.
    expect(
      await expireLapsedCheckoutSessions({
        now: new Date(end - 120_000),
        stripe: stripe(),
        requests: stores().requests,
        pacer: stores().pacer,
      }),
    ).toMatchObject({ expired: 0 });
    const afterHold = new Date(end - 60_000);
    const swept = await expireLapsedCheckoutSessions({
      now: afterHold,
      stripe: stripe(),
      requests: stores().requests,
      pacer: stores().pacer,
    });
    expect(swept).toMatchObject({ expired: 1, closed: 0, deferred: 0 });
    expect(emulator.session(result.sessionId).status).toBe("expired");
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
    expect(
      await expireLapsedCheckoutSessions({
        now: afterHold,
        stripe: stripe(),
        requests: stores().requests,
        pacer: stores().pacer,
      }),
    ).toMatchObject({ expired: 0 });
  });

  it("a payment racing the expire call: Stripe says the session is complete, and the paid-after-expiry rule sells", async () => {
    const result = await checkout(cart(2), "reserve_ttl", { inventoryHoldTtlSeconds: 60 });
    const afterHold = new Date(result.holdExpiresAt!.getTime() + 1_000);
    // The hold lapses and is reaped: the units are free again.
    expect(await releaseExpiredInventoryHolds({ shopId: SHOP, now: afterHold, store: stores().holds })).toBe(1);
    expect(await shirt()).toMatchObject({ reserved: 0 });
    // The buyer pays just before the reaper's expire call reaches Stripe; the webhook is on its way (held here).
    emulator.setWebhookUrl(undefined);
    emulator.pay(result.sessionId);
    const swept = await expireLapsedCheckoutSessions({
      now: afterHold,
      stripe: stripe(),
      requests: stores().requests,
      pacer: stores().pacer,
    });
    expect(swept).toMatchObject({ expired: 0, closed: 1 });
    emulator.setWebhookUrl(`${webhook.url}/api/stripe/webhook`);
    await emulator.deliverPending();
    await emulator.idle();
    // The stock was still there: sold again.
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({
      status: "committed",
    });
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

  it("after Stripe refused a cart, a retry of it with the same idempotency key gets the same answer; a changed cart is a new checkout", async () => {
    emulator.failNextCreate(400, "Invalid currency", { code: "parameter_invalid_string" });
    const failed = await attempt(cart(2), "reserve_ttl", { idempotencyKey: "cart-43" }).catch(
      (caught: unknown) => caught,
    );
    expect(isInventoryError(failed, "payment_rejected")).toBe(true);
    expect(await shirt()).toMatchObject({ reserved: 0 });
    const creates = () =>
      emulator.requests().filter((r) => r.method === "POST" && r.path === "/v1/checkout/sessions").length;
    const before = creates();
    const again = await attempt(cart(2), "reserve_ttl", { idempotencyKey: "cart-43" }).catch(
      (caught: unknown) => caught,
    );
    expect(isInventoryError(again, "payment_rejected")).toBe(true);
    expect((again as { details: { provider: { code: string } } }).details.provider.code).toBe(
      "parameter_invalid_string",
    );
    expect(creates()).toBe(before);
    expect(await shirt()).toMatchObject({ reserved: 0 });
    const changed = await checkout(cart(1), "reserve_ttl", { idempotencyKey: "cart-44" });
    expect(await shirt()).toMatchObject({ reserved: 1 });
    expect(emulator.session(changed.sessionId).metadata).toMatchObject({ inventory_reservation_id: changed.holdId });
  });

  it("the rollback switch holds nothing, yet every paid checkout sells its lines, and reconciliation stays clean", async () => {
    const first = await checkout(cart(2), "reserve_ttl", { skipInventoryValidation: true });
    expect(first.holdId).toBeUndefined();
    expect(emulator.session(first.sessionId).metadata).toMatchObject({ inventory_mode: "skipped" });
    expect(await shirt()).toMatchObject({ quantity: 3, reserved: 0 });
    // Under the switch nothing is checked: a second buyer gets a session for more than is left.
    const second = await checkout(cart(2), "reserve_ttl", { skipInventoryValidation: true });
    emulator.pay(first.sessionId);
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    emulator.pay(second.sessionId);
    await emulator.idle();
    // The stock is gone: an oversold record and a critical alert, stock untouched.
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    const oversold = await stores().holds.listOversoldSales({ shopId: SHOP });
    expect(oversold).toHaveLength(1);
    expect(oversold[0]).toMatchObject({ checkoutSessionId: second.sessionId });
    const alerts = await db.pool.query<{ kind: string; severity: string }>(`SELECT kind, severity FROM "OpsAlert"`);
    expect(alerts.rows).toContainEqual({ kind: "oversold_at_payment", severity: "critical" });
    const ledger = (await stock().listLedger(SHOP, { sku: "SHIRT", variantKey: shirtM })).filter(
      (e) => e.reason === "sale",
    );
    expect(ledger).toHaveLength(1);
    expect((await reconcileInventoryReserved({ store: stores().holds })).drift).toEqual([]);
  });

  it("a no-cost order (a 100%-off coupon): Stripe needs no payment, and the webhook sells the stock", async () => {
    const coupon = await stripe().coupons.create({ percent_off: 100, duration: "once" });
    const result = await checkout(cart(2), "reserve_ttl", { discounts: [{ coupon: coupon.id }] });
    const session = emulator.session(result.sessionId);
    expect(session).toMatchObject({ amount_total: 0, amount_subtotal: 9000 });
    const { session: paid } = emulator.pay(result.sessionId);
    expect(paid).toMatchObject({ status: "complete", payment_status: "no_payment_required" });
    await emulator.idle();
    expect(await shirt()).toMatchObject({ quantity: 1, reserved: 0 });
    expect(await getInventoryHold({ shopId: SHOP, holdId: result.holdId!, store: stores().holds })).toMatchObject({
      status: "committed",
    });
  });

  it("discount options: promotion codes on Stripe's page, or one discount up front, never both", async () => {
    const withCodes = await checkout(cart(1), "validate_only", { allowPromotionCodes: true });
    expect(emulator.session(withCodes.sessionId)).toMatchObject({ allow_promotion_codes: true });
    const both = await attempt(cart(1), "reserve_ttl", {
      allowPromotionCodes: true,
      discounts: [{ coupon: "c" }],
    }).catch((e: unknown) => e);
    expect(isInventoryError(both, "validation_failed")).toBe(true);
    expect((both as { details: { errors: Array<{ field: string }> } }).details.errors.map((e) => e.field)).toEqual([
      "options.discounts",
    ]);
    const two = await attempt(cart(1), "reserve_ttl", { discounts: [{ coupon: "a" }, { coupon: "b" }] }).catch(
      (e: unknown) => e,
    );
    expect(isInventoryError(two, "validation_failed")).toBe(true);
    // Nothing was held for the refused options.
    expect(await shirt()).toMatchObject({ reserved: 0 });
  });

  it("refuses a malformed cart or options with field errors and creates nothing", async () => {
    const sessionsBefore = emulator.sessions().length;
    const bad = await checkout(
      { currency: "USD", lines: [{ sku: "", name: "", unitAmount: -1, quantity: 0 }] },
      "reserve_ttl",
    ).catch((e: unknown) => e);
    expect(isInventoryError(bad, "validation_failed")).toBe(true);
    const fields = (bad as { details: { errors: Array<{ field: string }> } }).details.errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(["cart.currency", "cart.lines.0.sku", "cart.lines.0.unitAmount", "cart.lines.0.quantity"]),
    );
    const badUrl = await checkout(cart(1), "reserve_ttl", { successUrl: "not a url" }).catch((e: unknown) => e);
    expect(isInventoryError(badUrl, "validation_failed")).toBe(true);
    expect(emulator.sessions()).toHaveLength(sessionsBefore);
    expect(await shirt()).toMatchObject({ reserved: 0 });
  });
});
