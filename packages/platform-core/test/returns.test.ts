import { serveFetchHandler, type ServedFetchHandler } from "@acme/testkit";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaOpsAlertStore } from "../src/alerts/ops-alert-store.ts";
import { createCheckoutSession, type CheckoutCart } from "../src/checkout/create-checkout-session.ts";
import { createPrismaSessionRequestStore } from "../src/checkout/session-request-store.ts";
import { createStripeClient } from "../src/checkout/stripe-client.ts";
import { createDatabaseStripePacer } from "../src/checkout/stripe-pacer.ts";
import { getEnv } from "../src/env.ts";
import { isInventoryError } from "../src/errors/inventory-error.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import { decideStockReturn } from "../src/returns/decide-stock-return.ts";
import { listStockReturns } from "../src/returns/list-stock-returns.ts";
import { createPrismaReturnStore } from "../src/returns/prisma-return-store.ts";
import { setShopReturnPolicy } from "../src/returns/shop-return-policy.ts";
import type { ReturnPolicy, StockReturnView } from "../src/returns/types.ts";
import { handleRefund } from "../src/returns/handle-refund-event.ts";
import { handleStripeWebhook } from "../src/webhooks/handle-stripe-webhook.ts";
import { createPrismaWebhookEventLog } from "../src/webhooks/webhook-event-log.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Refunds put sold units back, end to end: checkouts made with the official
// SDK against the emulator, paid there, refunded there (POST /v1/refunds), and
// every event signed by the emulator and received over HTTP by the real
// webhook handler on real PostgreSQL. The emulator holds events (manual
// delivery) so each test chooses their order.

const SHOP = "returns-shop";
const WEBHOOK_SECRET = "whsec_returns_test";
let db: TestDatabase;
let emulator: StripeEmulator;
let webhook: ServedFetchHandler;

const stock = () => createPrismaInventoryStore(db);
const holds = () => createPrismaHoldStore(db);
const returns = () => createPrismaReturnStore(db);
const locations = () => createPrismaLocationStore(db);
const stripe = () => createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: emulator.url });

/** A: 10.00, B: 25.00, C: 20.00 a unit. */
const PRICES: Record<string, number> = { A: 1000, B: 2500, C: 2000 };

function cart(lines: Record<string, number>): CheckoutCart {
  return {
    currency: "usd",
    lines: Object.entries(lines).map(([sku, quantity]) => ({
      sku,
      name: `Item ${sku}`,
      unitAmount: PRICES[sku]!,
      quantity,
    })),
  };
}

/** Checks out and pays a cart; the completion event is delivered. Returns the session and its PaymentIntent. */
async function sell(lines: Record<string, number>, mode: "reserve_ttl" | "validate_only" = "reserve_ttl") {
  const result = await createCheckoutSession(cart(lines), {
    shopId: SHOP,
    inventoryMode: mode,
    successUrl: "http://shop.test/checkout/success?session={CHECKOUT_SESSION_ID}",
    cancelUrl: "http://shop.test/cart",
    stripe: stripe(),
    skipInventoryValidation: false,
    holds: holds(),
    store: stock(),
    requests: createPrismaSessionRequestStore(db),
    pacer: createDatabaseStripePacer(db, getEnv()),
  });
  if (result.status !== "ready") throw new Error(`checkout not ready: ${result.status}`);
  const paid = emulator.pay(result.sessionId);
  await deliverAll();
  return { sessionId: result.sessionId, paymentIntent: paid.session.payment_intent!, holdId: result.holdId };
}

/** Delivers every held event in the order given (default: creation order) and checks each was accepted. */
async function deliverAll(ids?: string[]) {
  const results = await emulator.deliverPending(ids);
  for (const result of results) expect(result, JSON.stringify(result.attempts.at(-1))).toMatchObject({ ok: true });
  return results;
}

function refund(options: Parameters<StripeEmulator["refund"]>[0]) {
  return emulator.refund(options);
}

async function quantities(): Promise<Record<string, number>> {
  const items = await db.pool.query<{ sku: string; quantity: number }>(
    `SELECT sku, quantity FROM "InventoryItem" WHERE "shopId" = $1 ORDER BY sku`,
    [SHOP],
  );
  return Object.fromEntries(items.rows.map((row) => [row.sku, row.quantity]));
}

async function levels(sku: string): Promise<Record<string, number>> {
  const rows = await locations().listLevels(SHOP, { refs: [{ sku, variantKey: "" }] });
  return Object.fromEntries(rows.map((row) => [row.location, row.quantity]));
}

async function returnLedger() {
  return (
    await db.pool.query<{
      sku: string;
      location: string;
      delta: number;
      reference: string;
      holdId: string | null;
      actor: string;
    }>(
      `SELECT sku, location, delta, reference, "holdId", actor FROM "StockLedgerEntry" WHERE reason = 'return' ORDER BY id`,
    )
  ).rows;
}

async function stockReturn(refundId: string): Promise<StockReturnView> {
  const found = await returns().getReturn({ shopId: SHOP, refundId });
  if (!found) throw new Error(`no return for ${refundId}`);
  return found;
}

async function policy(value: ReturnPolicy) {
  await setShopReturnPolicy({ shopId: SHOP, policy: value, actor: "ops@test", store: returns() });
}

/** The books after every test: reserved against holds, every location against its ledger, totals against levels. */
async function expectBooksBalance() {
  expect((await locations().reconcile({ shopId: SHOP })).drift).toEqual([]);
  expect((await reconcileInventoryReserved({ store: holds(), shopId: SHOP })).drift).toEqual([]);
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 20 });
  webhook = await serveFetchHandler((request) =>
    handleStripeWebhook(request, {
      secret: WEBHOOK_SECRET,
      holds: createPrismaHoldStore(db),
      events: createPrismaWebhookEventLog(db),
      alerts: createPrismaOpsAlertStore(db),
      returns: createPrismaReturnStore(db),
      stripe: stripe(),
    }),
  );
  emulator = await startStripeEmulator({
    webhookSecret: WEBHOOK_SECRET,
    webhookUrl: `${webhook.url}/api/stripe/webhook`,
    deliver: "manual",
    retry: { attempts: 1, initialDelayMs: 10, maxDelayMs: 10 },
    limits: false,
  });
});
afterAll(async () => {
  await emulator?.stop();
  await webhook?.stop();
  await db?.destroy();
});
beforeEach(async () => {
  await emulator.deliverPending();
  emulator.setChargeRefundsEmbedded(true);
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry",
       "InventoryHoldItem", "InventoryHold", "ProcessedWebhookEvent", "OpsAlert", "OversoldSale", "CheckoutSessionRequest",
       "PaidCheckout", "ShopReturnPolicy", "StockReturn" RESTART IDENTITY`,
  );
  await stock().upsertItems(
    SHOP,
    [
      { sku: "A", productId: "a", quantity: 10 },
      { sku: "B", productId: "b", quantity: 5 },
      { sku: "C", productId: "c", quantity: 5 },
    ],
    { reason: "import", actor: "t" },
  );
});

describe("paid checkouts", () => {
  it("record the lines sold, where their units left, their unit amounts and the PaymentIntent, once", async () => {
    const { sessionId, paymentIntent, holdId } = await sell({ A: 2, B: 1 });
    const checkout = await returns().getPaidCheckout({ shopId: SHOP, sessionId });
    expect(checkout).toMatchObject({
      holdId,
      paymentIntentId: paymentIntent,
      currency: "usd",
      amountTotal: 4500,
      lines: [
        { sku: "A", variantKey: "", location: "main", quantity: 2, unitAmount: 1000 },
        { sku: "B", variantKey: "", location: "main", quantity: 1, unitAmount: 2500 },
      ],
    });
    // A redelivery of the completion leaves the row as it is.
    const completed = emulator.events().find((event) => event.type === "checkout.session.completed")!;
    await emulator.resend(completed.id);
    expect(await returns().getPaidCheckout({ shopId: SHOP, sessionId })).toEqual(checkout);
  });

  it("are written by a redelivery when the attempt that sold the stock stopped before writing them", async () => {
    const { sessionId } = await sell({ A: 1 });
    await db.pool.query(`DELETE FROM "PaidCheckout"`);
    const completed = emulator
      .events()
      .filter((event) => event.type === "checkout.session.completed")
      .at(-1)!;
    await emulator.resend(completed.id);
    expect(await returns().getPaidCheckout({ shopId: SHOP, sessionId })).toMatchObject({ amountTotal: 1000 });
    expect(await quantities()).toMatchObject({ A: 9 });
  });
});

describe("a full refund", () => {
  it("restocks every unit once, however often and however concurrently its events arrive", async () => {
    await policy("restock");
    const { holdId, paymentIntent } = await sell({ A: 2, B: 1 });
    expect(await quantities()).toEqual({ A: 8, B: 4, C: 5 });
    const made = refund({ paymentIntent });
    await deliverAll();
    expect(await quantities()).toEqual({ A: 10, B: 5, C: 5 });
    expect(await stockReturn(made.refund.id)).toMatchObject({
      status: "restocked",
      mapping: "full",
      amount: 4500,
      lines: [
        { sku: "A", location: "main", quantity: 2 },
        { sku: "B", location: "main", quantity: 1 },
      ],
      decidedBy: "stripe-webhook",
    });
    // Replays of both events, and ten concurrent deliveries of each.
    await emulator.resend(made.event.id);
    await emulator.resend(made.chargeEvent.id);
    await Promise.all(
      Array.from({ length: 10 }, () => [emulator.deliver(made.event.id), emulator.deliver(made.chargeEvent.id)]).flat(),
    );
    expect(await quantities()).toEqual({ A: 10, B: 5, C: 5 });
    expect(await returnLedger()).toEqual([
      { sku: "A", location: "main", delta: 2, reference: made.refund.id, holdId, actor: "stripe-webhook" },
      { sku: "B", location: "main", delta: 1, reference: made.refund.id, holdId, actor: "stripe-webhook" },
    ]);
    await expectBooksBalance();
  });

  it("restocks once when the events arrive out of order: refund.updated first, or charge.refunded first", async () => {
    await policy("restock");
    // A refund that starts pending: refund.created (pending) and charge.refunded wait; refund.updated acts.
    const first = await sell({ A: 1 });
    const pending = refund({ paymentIntent: first.paymentIntent, pending: true });
    const updated = emulator.settleRefund(pending.refund.id, "succeeded");
    await deliverAll([updated.event.id, pending.chargeEvent.id, pending.event.id]);
    expect(await quantities()).toMatchObject({ A: 10 });
    expect(await stockReturn(pending.refund.id)).toMatchObject({ status: "restocked" });

    // charge.refunded before refund.created, its refunds listed with the SDK (not embedded).
    emulator.setChargeRefundsEmbedded(false);
    const second = await sell({ B: 2 });
    const made = refund({ paymentIntent: second.paymentIntent });
    const [charged] = await deliverAll([made.chargeEvent.id, made.event.id]);
    expect(JSON.parse(charged!.attempts[0]!.responseBody)).toMatchObject({
      refunds: [{ refundId: made.refund.id, outcome: "recorded", status: "restocked", units: 2 }],
    });
    expect(await quantities()).toMatchObject({ A: 10, B: 5 });
    expect((await returnLedger()).map((row) => [row.sku, row.delta, row.reference])).toEqual([
      ["A", 1, pending.refund.id],
      ["B", 2, made.refund.id],
    ]);
    await expectBooksBalance();
  });

  it("does nothing while a refund is pending, nor when it fails", async () => {
    await policy("restock");
    const { paymentIntent } = await sell({ A: 3 });
    const pending = refund({ paymentIntent, pending: true });
    await deliverAll();
    emulator.settleRefund(pending.refund.id, "failed");
    await deliverAll();
    expect(await quantities()).toMatchObject({ A: 7 });
    expect(await returns().getReturn({ shopId: SHOP, refundId: pending.refund.id })).toBeNull();
    await expectBooksBalance();
  });
});

describe("partial refunds", () => {
  it("restock the units an amount matches, and two partials that add up to everything return everything", async () => {
    await policy("restock");
    const { paymentIntent } = await sell({ A: 2, B: 1 });
    const first = refund({ paymentIntent, amount: 2500 }); // B alone: A x2 is 2000
    await deliverAll();
    expect(await stockReturn(first.refund.id)).toMatchObject({
      status: "restocked",
      mapping: "amount",
      lines: [{ sku: "B", quantity: 1 }],
    });
    expect(await quantities()).toMatchObject({ A: 8, B: 5 });
    const second = refund({ paymentIntent, amount: 2000 });
    await deliverAll();
    expect(await stockReturn(second.refund.id)).toMatchObject({
      status: "restocked",
      mapping: "full",
      lines: [{ sku: "A", quantity: 2 }],
    });
    expect(await quantities()).toMatchObject({ A: 10, B: 5 });
    await expectBooksBalance();
  });

  it("leave an ambiguous or unmatched amount to the operator even when the shop restocks", async () => {
    await policy("restock");
    const { paymentIntent, sessionId } = await sell({ A: 2, C: 1 }); // 2 x 10.00 + 20.00
    const ambiguous = refund({ paymentIntent, amount: 2000 }); // A x2 or C x1
    const unmatched = refund({ paymentIntent, amount: 700 });
    await deliverAll();
    expect(await stockReturn(ambiguous.refund.id)).toMatchObject({
      status: "pending",
      mapping: "ambiguous",
      lines: [
        { sku: "A", quantity: 2 },
        { sku: "C", quantity: 1 },
      ],
    });
    expect((await stockReturn(ambiguous.refund.id)).note).toMatch(/several combinations.*left to an operator/);
    expect(await stockReturn(unmatched.refund.id)).toMatchObject({ status: "pending", mapping: "unmatched" });
    expect(await quantities()).toMatchObject({ A: 8, C: 4 });
    const listed = await listStockReturns({ shopId: SHOP, store: returns() });
    expect(listed.pending.map((entry) => [entry.refundId, entry.checkout?.sessionId])).toEqual([
      [ambiguous.refund.id, sessionId],
      [unmatched.refund.id, sessionId],
    ]);

    // The operator restocks C; more than was sold is refused by field, and nothing changes.
    const decide = (refundId: string, input: unknown) =>
      decideStockReturn({ shopId: SHOP, refundId, input, actor: "ops@test", store: returns() });
    const tooMany = await decide(ambiguous.refund.id, {
      decision: "restock",
      lines: [{ sku: "A", variantKey: "", location: "main", quantity: 3 }],
    }).catch((error: unknown) => error);
    expect(isInventoryError(tooMany, "validation_failed")).toBe(true);
    expect((tooMany as { details: unknown }).details).toEqual({
      errors: [{ field: "lines.0.quantity", message: "at most 2 of A at main can go back" }],
    });
    const decided = await decide(ambiguous.refund.id, {
      decision: "restock",
      lines: [{ sku: "C", variantKey: "", location: "main", quantity: 1 }],
    });
    expect(decided).toMatchObject({
      status: "restocked",
      decidedBy: "ops@test",
      restocked: [{ sku: "C", quantity: 1 }],
    });
    const twice = await decide(ambiguous.refund.id, { decision: "dismiss" }).catch((error: unknown) => error);
    expect(isInventoryError(twice, "conflict")).toBe(true);
    // What C's restock took is no longer open to the other pending return.
    const capped = await decide(unmatched.refund.id, {
      decision: "restock",
      lines: [{ sku: "C", variantKey: "", location: "main", quantity: 1 }],
    }).catch((error: unknown) => error);
    expect((capped as { details: unknown }).details).toEqual({
      errors: [{ field: "lines.0.quantity", message: "at most 0 of C at main can go back" }],
    });
    expect(await decide(unmatched.refund.id, { decision: "dismiss", note: "damaged" })).toMatchObject({
      status: "dismissed",
      note: "damaged",
    });
    expect(await quantities()).toMatchObject({ A: 8, C: 5 });
    expect((await returnLedger()).map((row) => [row.sku, row.delta, row.reference, row.actor])).toEqual([
      ["C", 1, ambiguous.refund.id, "ops@test"],
    ]);
    await expectBooksBalance();
  });

  it("restock exactly the lines the refund's metadata names, capped by what is unreturned", async () => {
    await policy("restock");
    const { paymentIntent } = await sell({ A: 2, B: 1 });
    const named = refund({ paymentIntent, amount: 1234, metadata: { acme_restock: '[["A","",1],["B","",3]]' } });
    await deliverAll();
    expect(await stockReturn(named.refund.id)).toMatchObject({
      status: "restocked",
      mapping: "metadata",
      lines: [
        { sku: "A", quantity: 1 },
        { sku: "B", quantity: 1 },
      ],
      note: "B: 3 named, 1 left unreturned",
    });
    expect(await quantities()).toMatchObject({ A: 9, B: 5 });
    // A refund naming no units (shipping) returns none; the rest is then a full refund of A's last unit.
    const shipping = refund({ paymentIntent, amount: 100, metadata: { acme_restock: "[]" } });
    const rest = refund({ paymentIntent });
    await deliverAll();
    expect(await stockReturn(shipping.refund.id)).toMatchObject({ status: "not_restocked", lines: [] });
    expect(await stockReturn(rest.refund.id)).toMatchObject({
      status: "restocked",
      lines: [{ sku: "A", quantity: 1 }],
    });
    expect(await quantities()).toMatchObject({ A: 10, B: 5 });
    await expectBooksBalance();
  });
});

describe("the shop's policy", () => {
  it("no_restock records the return and moves no stock; ask (the default) waits for the operator", async () => {
    await policy("no_restock");
    const first = await sell({ A: 2 });
    const kept = refund({ paymentIntent: first.paymentIntent });
    await deliverAll();
    expect(await stockReturn(kept.refund.id)).toMatchObject({ status: "not_restocked", mapping: "full" });
    expect(await quantities()).toMatchObject({ A: 8 });

    await db.pool.query(`DELETE FROM "ShopReturnPolicy"`);
    const second = await sell({ A: 1, B: 1 });
    const asked = refund({ paymentIntent: second.paymentIntent });
    await deliverAll();
    expect(await stockReturn(asked.refund.id)).toMatchObject({ status: "pending", mapping: "full", decidedBy: null });
    expect(await quantities()).toMatchObject({ A: 7, B: 4 });
    const restocked = await decideStockReturn({
      shopId: SHOP,
      refundId: asked.refund.id,
      input: {
        decision: "restock",
        lines: [
          { sku: "A", variantKey: "", location: "main", quantity: 1 },
          { sku: "B", variantKey: "", location: "main", quantity: 0 },
        ],
      },
      actor: "ops@test",
      store: returns(),
    });
    expect(restocked).toMatchObject({ status: "restocked", restocked: [{ sku: "A", quantity: 1 }] });
    expect(await quantities()).toMatchObject({ A: 8, B: 4 });
    await expectBooksBalance();
  });
});

describe("locations", () => {
  it("a split sale restocks at the locations its units left, and an offline one keeps them off sale", async () => {
    await policy("restock");
    await locations().createLocation({ shopId: SHOP, code: "north", name: "North", priority: 10, actor: "t" });
    await stock().upsertItems(
      SHOP,
      [
        { sku: "A", productId: "a", quantity: 1, location: "main" },
        { sku: "A", productId: "a", quantity: 2, location: "north" },
      ],
      { reason: "import", actor: "t" },
    );
    const { paymentIntent, sessionId } = await sell({ A: 3 });
    expect(await levels("A")).toEqual({ main: 0, north: 0 });
    expect((await returns().getPaidCheckout({ shopId: SHOP, sessionId }))?.lines).toEqual([
      { sku: "A", variantKey: "", location: "north", quantity: 2, unitAmount: 1000 },
      { sku: "A", variantKey: "", location: "main", quantity: 1, unitAmount: 1000 },
    ]);
    await locations().updateLocation({ shopId: SHOP, code: "north", active: false, actor: "t" });
    const made = refund({ paymentIntent });
    await deliverAll();
    expect(await levels("A")).toEqual({ main: 1, north: 2 });
    // Only main counts online now.
    expect(await quantities()).toMatchObject({ A: 1 });
    expect((await returnLedger()).map((row) => [row.location, row.delta, row.reference])).toEqual([
      ["north", 2, made.refund.id],
      ["main", 1, made.refund.id],
    ]);
    await expectBooksBalance();
  });

  it("a checkout that held nothing (validate-only) restocks where its sale was allocated", async () => {
    await policy("restock");
    const { paymentIntent, sessionId } = await sell({ B: 2 }, "validate_only");
    expect(await returns().getPaidCheckout({ shopId: SHOP, sessionId })).toMatchObject({
      holdId: `sale_${sessionId}`,
      lines: [{ sku: "B", location: "main", quantity: 2, unitAmount: 2500 }],
    });
    const made = refund({ paymentIntent, amount: 2500 });
    await deliverAll();
    expect(await stockReturn(made.refund.id)).toMatchObject({ status: "restocked", mapping: "amount" });
    expect(await quantities()).toMatchObject({ B: 4 });
    await expectBooksBalance();
  });
});

describe("a refund before its checkout's payment is recorded", () => {
  it("is refused for Stripe to retry, then restocks once the paid event has been handled", async () => {
    await policy("restock");
    const result = await createCheckoutSession(cart({ A: 2 }), {
      shopId: SHOP,
      inventoryMode: "reserve_ttl",
      successUrl: "http://shop.test/done",
      cancelUrl: "http://shop.test/cart",
      stripe: stripe(),
      skipInventoryValidation: false,
      holds: holds(),
      store: stock(),
      requests: createPrismaSessionRequestStore(db),
      pacer: createDatabaseStripePacer(db, getEnv()),
    });
    if (result.status !== "ready") throw new Error("checkout not ready");
    const paid = emulator.pay(result.sessionId);
    const made = refund({ sessionId: result.sessionId });
    const early = await emulator.deliver(made.event.id);
    expect(early.attempts.at(-1)?.status).toBe(500);
    expect(await returns().getReturn({ shopId: SHOP, refundId: made.refund.id })).toBeNull();
    await deliverAll([paid.event.id]);
    expect(await quantities()).toMatchObject({ A: 8 });
    await deliverAll([made.event.id, made.chargeEvent.id]);
    expect(await stockReturn(made.refund.id)).toMatchObject({ status: "restocked" });
    expect(await quantities()).toMatchObject({ A: 10 });
    await expectBooksBalance();
  });
});

describe("a refund of a checkout that sold nothing, or was paid before this release", () => {
  it("of an oversold payment (nothing was sold) is answered 200 and changes nothing, not retried forever", async () => {
    await policy("restock");
    const result = await createCheckoutSession(cart({ B: 2 }), {
      shopId: SHOP,
      inventoryMode: "validate_only",
      successUrl: "http://shop.test/done",
      cancelUrl: "http://shop.test/cart",
      stripe: stripe(),
      skipInventoryValidation: false,
      holds: holds(),
      store: stock(),
      requests: createPrismaSessionRequestStore(db),
      pacer: createDatabaseStripePacer(db, getEnv()),
    });
    if (result.status !== "ready") throw new Error("checkout not ready");
    // The stock goes before the buyer pays: the payment is oversold and sells nothing.
    await stock().upsertItems(SHOP, [{ sku: "B", productId: "b", quantity: 0 }], { reason: "edit", actor: "t" });
    emulator.pay(result.sessionId);
    await deliverAll();
    expect((await db.pool.query(`SELECT 1 FROM "OversoldSale"`)).rowCount).toBe(1);
    const made = refund({ sessionId: result.sessionId });
    const answers = await deliverAll([made.event.id, made.chargeEvent.id]);
    expect(JSON.parse(answers[0]!.attempts.at(-1)!.responseBody)).toMatchObject({
      refunds: [{ refundId: made.refund.id, outcome: "ignored" }],
    });
    expect(await returns().getReturn({ shopId: SHOP, refundId: made.refund.id })).toBeNull();
    expect(await quantities()).toMatchObject({ B: 0 });
    await expectBooksBalance();
  });

  it("of a checkout paid before this release (no paid checkout, no unit amounts) is answered, restocks nothing and alerts", async () => {
    await policy("restock");
    const { sessionId, paymentIntent } = await sell({ A: 2 });
    // What a checkout made and paid by the previous release leaves: its sale, no PaidCheckout, no prices in metadata.
    await db.pool.query(`DELETE FROM "PaidCheckout"`);
    const session = emulator.session(sessionId);
    const metadata = Object.fromEntries(
      Object.entries(session.metadata ?? {}).filter(([key]) => !key.startsWith("inventory_prices_")),
    );
    const made = refund({ paymentIntent });
    const answer = await handleRefund({
      refund: made.refund,
      actor: "stripe-webhook",
      now: new Date(),
      store: returns(),
      findPlatformSession: () => Promise.resolve({ ...session, metadata }),
    });
    expect(answer).toMatchObject({ outcome: "ignored", sessionId, notify: true });
    expect(await returns().getReturn({ shopId: SHOP, refundId: made.refund.id })).toBeNull();
    expect(await quantities()).toMatchObject({ A: 8 });
    // A session of this release whose paid checkout is not written yet is still retried.
    await expect(
      handleRefund({
        refund: made.refund,
        actor: "stripe-webhook",
        now: new Date(),
        store: returns(),
        findPlatformSession: () => Promise.resolve(session),
      }),
    ).rejects.toMatchObject({ code: "unavailable" });
    await emulator.deliverPending();
  });
});

describe("concurrency", () => {
  it("refunds of one checkout decided at once never claim a unit twice; two operators deciding at once decide once", async () => {
    await policy("restock");
    const { paymentIntent } = await sell({ A: 1, B: 1 });
    const forA = refund({ paymentIntent, amount: 1000 });
    const forB = refund({ paymentIntent, amount: 2500 });
    // Every event of both refunds at once, twice over.
    const ids = [forA.event.id, forA.chargeEvent.id, forB.event.id, forB.chargeEvent.id];
    const results = await Promise.all([...ids, ...ids].map((id) => emulator.deliver(id)));
    expect(results.every((result) => result.ok)).toBe(true);
    await emulator.deliverPending();
    expect(await quantities()).toMatchObject({ A: 10, B: 5 });
    expect((await returnLedger()).map((row) => [row.sku, row.delta]).sort()).toEqual([
      ["A", 1],
      ["B", 1],
    ]);

    // Two refunds naming the same single unit, at once: one claims it, the other is decided again and finds none left.
    const third = await sell({ B: 1 });
    const named = [1, 2].map(() =>
      refund({ paymentIntent: third.paymentIntent, amount: 500, metadata: { acme_restock: '[["B","",1]]' } }),
    );
    const namedIds = named.flatMap((made) => [made.event.id, made.chargeEvent.id]);
    const namedResults = await Promise.all(namedIds.map((id) => emulator.deliver(id)));
    expect(namedResults.map((result) => result.attempts.at(-1)?.status)).toEqual([200, 200, 200, 200]);
    await emulator.deliverPending();
    const outcomes = await Promise.all(named.map((made) => stockReturn(made.refund.id)));
    expect(outcomes.map((entry) => entry.status).sort()).toEqual(["not_restocked", "restocked"]);
    expect(await quantities()).toMatchObject({ B: 5 });

    await policy("ask");
    const second = await sell({ C: 2 });
    const asked = refund({ paymentIntent: second.paymentIntent });
    await deliverAll();
    const decisions = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        decideStockReturn({
          shopId: SHOP,
          refundId: asked.refund.id,
          input: { decision: "restock", lines: [{ sku: "C", variantKey: "", location: "main", quantity: 2 }] },
          actor: "ops@test",
          store: returns(),
        }),
      ),
    );
    expect(decisions.filter((decision) => decision.status === "fulfilled")).toHaveLength(1);
    expect(
      decisions.every((decision) => decision.status === "fulfilled" || isInventoryError(decision.reason, "conflict")),
    ).toBe(true);
    expect(await quantities()).toMatchObject({ C: 5 });
    await expectBooksBalance();
  });
});
