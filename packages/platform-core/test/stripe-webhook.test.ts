import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaOpsAlertStore } from "../src/alerts/ops-alert-store.ts";
import { createDatabase } from "../src/db/prisma-client.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import type { HoldStore } from "../src/holds/types.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { encodeSaleLines } from "../src/checkout/sale-lines.ts";
import { handleStripeWebhook, type StripeWebhookOptions } from "../src/webhooks/handle-stripe-webhook.ts";
import { createPrismaWebhookEventLog } from "../src/webhooks/webhook-event-log.ts";
import { freePort } from "@acme/testkit";
import { getMetrics } from "../src/metrics/metrics-registry.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// The webhook handler end to end on real PostgreSQL, fed events signed
// exactly as Stripe signs them (the SDK's own test-header helper).

const SECRET = "whsec_test_secret";
const SHOP = "shop-w";
let db: TestDatabase;
let stock: InventoryStore;
let holds: HoldStore;
let options: StripeWebhookOptions;
let clock: Date;
let eventSeq = 0;

function sessionEvent(
  type: string,
  session: Partial<Stripe.Checkout.Session> & { id: string },
  id = `evt_${++eventSeq}`,
) {
  return {
    id,
    object: "event",
    type,
    created: Math.floor(clock.getTime() / 1000),
    livemode: false,
    api_version: "2026-10-28.endive",
    data: { object: { object: "checkout.session", payment_status: "paid", status: "complete", ...session } },
  };
}

function signedRequest(payload: unknown, options: { secret?: string; timestamp?: number; tamper?: boolean } = {}) {
  const body = JSON.stringify(payload);
  const header = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return new Request("http://cms.test/api/stripe/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": header },
    body: options.tamper ? body.replace('"paid"', '"PAID"') : body,
  });
}

async function deliver(payload: unknown) {
  const response = await handleStripeWebhook(signedRequest(payload), options);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function item(sku: string) {
  return (await stock.getItem(SHOP, { sku, variantKey: "" }))!;
}
async function alerts() {
  return (await db.pool.query(`SELECT severity, kind, details FROM "OpsAlert" ORDER BY id`)).rows as Array<{
    severity: string;
    kind: string;
    details: Record<string, unknown>;
  }>;
}
async function hold(sku: string, quantity: number, ttlSeconds = 600) {
  return createInventoryHold({ shopId: SHOP, requests: [{ sku, quantity }], ttlSeconds, now: clock, store: holds });
}
const meta = (holdId?: string): Record<string, string> => ({
  shop_id: SHOP,
  ...(holdId ? { inventory_reservation_id: holdId } : {}),
});

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 20 });
  stock = createPrismaInventoryStore(db);
  holds = createPrismaHoldStore(db);
  options = {
    secret: SECRET,
    holds,
    events: createPrismaWebhookEventLog(db),
    alerts: createPrismaOpsAlertStore(db),
    now: () => clock,
  };
});
afterAll(() => db.destroy());
beforeEach(async () => {
  clock = new Date();
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "ProcessedWebhookEvent", "OpsAlert", "OversoldSale" RESTART IDENTITY`,
  );
  await stock.upsertItems(
    SHOP,
    [
      { sku: "A", productId: "a", quantity: 5 },
      { sku: "B", productId: "b", quantity: 1 },
    ],
    { reason: "import", actor: "t" },
  );
});

describe("signature", () => {
  it("refuses a tampered body, a wrong secret, a stale timestamp and a missing header with 400, changing nothing", async () => {
    const { holdId } = await hold("A", 2);
    const payload = sessionEvent("checkout.session.completed", { id: "cs_1", metadata: meta(holdId) });
    const stale = Math.floor(clock.getTime() / 1000) - 600;
    const requests = [
      signedRequest(payload, { tamper: true }),
      signedRequest(payload, { secret: "whsec_wrong" }),
      signedRequest(payload, { timestamp: stale }),
      new Request("http://cms.test/api/stripe/webhook", { method: "POST", body: JSON.stringify(payload) }),
    ];
    for (const request of requests) {
      const response = await handleStripeWebhook(request, options);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: "validation_failed",
        errors: [{ field: "stripe-signature" }],
      });
    }
    expect(await item("A")).toMatchObject({ quantity: 5, reserved: 2 });
    expect(
      (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ProcessedWebhookEvent"`)).rows[0]!.n,
    ).toBe(0);
  });

  it("answers 200 to event types it does not handle", async () => {
    const result = await deliver({
      ...sessionEvent("customer.created", { id: "cus_1" }),
      data: { object: { id: "cus_1", object: "customer" } },
    });
    expect(result).toEqual({ status: 200, body: { received: true, ignored: "customer.created" } });
  });
});

describe("settling holds", () => {
  it("commits once however often and however concurrently the same completed event arrives", async () => {
    const { holdId } = await hold("A", 2);
    const committedBefore = await counter("holdCommitted");
    const payload = sessionEvent("checkout.session.completed", { id: "cs_2", metadata: meta(holdId) });
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(payload)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.outcome === "committed")).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect((await deliver(payload)).body).toEqual({ received: true, duplicate: true });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
    const sales = await stock.listLedger(SHOP, { sku: "A", variantKey: "" });
    expect(sales.filter((e) => e.reason === "sale")).toHaveLength(1);
    // Counted once, by the use case the webhook goes through; the hold names its session.
    expect((await counter("holdCommitted")) - committedBefore).toBe(1);
    expect((await holds.getHold({ shopId: SHOP, holdId, now: new Date() }))?.checkoutSessionId).toBe("cs_2");
  });

  it("an expired session releases its hold once, counted once", async () => {
    const { holdId } = await hold("A", 2);
    const releasedBefore = await counter("holdReleased");
    const payload = sessionEvent("checkout.session.expired", {
      id: "cs_rel",
      status: "expired",
      payment_status: "unpaid",
      metadata: meta(holdId),
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => deliver(payload)));
    expect(results.filter((r) => r.body.outcome === "released")).toHaveLength(1);
    expect((await counter("holdReleased")) - releasedBefore).toBe(1);
    expect(await item("A")).toMatchObject({ quantity: 5, reserved: 0 });
  });

  it("completed then expired: the sale stands", async () => {
    const { holdId } = await hold("A", 2);
    await deliver(sessionEvent("checkout.session.completed", { id: "cs_3", metadata: meta(holdId) }));
    const late = await deliver(
      sessionEvent("checkout.session.expired", {
        id: "cs_3",
        status: "expired",
        payment_status: "unpaid",
        metadata: meta(holdId),
      }),
    );
    expect(late.body).toMatchObject({ outcome: "hold_committed" });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
  });

  it("expired then completed (out of order): stock is sold again while it lasts", async () => {
    const { holdId } = await hold("A", 2);
    await deliver(
      sessionEvent("checkout.session.expired", {
        id: "cs_4",
        status: "expired",
        payment_status: "unpaid",
        metadata: meta(holdId),
      }),
    );
    expect(await item("A")).toMatchObject({ quantity: 5, reserved: 0 });
    const paid = await deliver(sessionEvent("checkout.session.completed", { id: "cs_4", metadata: meta(holdId) }));
    expect(paid.body).toMatchObject({ outcome: "recommitted" });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
    expect(await alerts()).toEqual([]);
  });

  it("payment after the hold lapsed and the stock sold out: oversold-at-payment, critical alert, stock never negative", async () => {
    const { holdId } = await hold("B", 1, 60);
    clock = new Date(clock.getTime() + 61_000);
    // Someone else buys the last unit after the first hold expired.
    const other = await hold("B", 1);
    await holds.commitHold({ shopId: SHOP, holdId: other.holdId, actor: "t", now: clock });
    const paid = await deliver(sessionEvent("checkout.session.completed", { id: "cs_5", metadata: meta(holdId) }));
    expect(paid.body).toMatchObject({ outcome: "oversold" });
    expect(await item("B")).toMatchObject({ quantity: 0, reserved: 0 });
    const [alert] = await alerts();
    expect(alert).toMatchObject({ severity: "critical", kind: "oversold_at_payment" });
    expect(alert!.details).toMatchObject({ holdId, sessionId: "cs_5", shopId: SHOP });
    const recorded = await holds.listOversoldSales({ shopId: SHOP });
    expect(recorded).toEqual([
      expect.objectContaining({
        holdId,
        checkoutSessionId: "cs_5",
        items: [{ sku: "B", variantKey: "", requested: 1, available: 0 }],
      }),
    ]);
    // A redelivery (new event id, same session) records nothing twice.
    await deliver(sessionEvent("checkout.session.completed", { id: "cs_5", metadata: meta(holdId) }));
    expect(await holds.listOversoldSales({ shopId: SHOP })).toHaveLength(1);
    expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
  });

  it("delayed payment keeps the hold past its TTL until the payment succeeds or fails", async () => {
    const first = await hold("A", 2, 600);
    await deliver(
      sessionEvent("checkout.session.completed", {
        id: "cs_6",
        payment_status: "unpaid",
        metadata: meta(first.holdId),
      }),
    );
    clock = new Date(clock.getTime() + 2 * 3600_000);
    expect(await releaseAll()).toBe(0);
    expect(await item("A")).toMatchObject({ reserved: 2 });
    const succeeded = await deliver(
      sessionEvent("checkout.session.async_payment_succeeded", { id: "cs_6", metadata: meta(first.holdId) }),
    );
    expect(succeeded.body).toMatchObject({ outcome: "committed" });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });

    const second = await hold("A", 1, 600);
    await deliver(
      sessionEvent("checkout.session.completed", {
        id: "cs_7",
        payment_status: "unpaid",
        metadata: meta(second.holdId),
      }),
    );
    const failed = await deliver(
      sessionEvent("checkout.session.async_payment_failed", {
        id: "cs_7",
        payment_status: "unpaid",
        metadata: meta(second.holdId),
      }),
    );
    expect(failed.body).toMatchObject({ outcome: "released" });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
  });

  it("validate-only checkouts: the paid event sells the lines once", async () => {
    const metadata = {
      shop_id: SHOP,
      inventory_mode: "validate_only",
      ...encodeSaleLines([{ sku: "A", variantKey: "", quantity: 2 }]),
    };
    const [committedBefore, failedBefore] = [await counter("holdCommitted"), await counter("holdCommitFailed")];
    const first = await deliver(sessionEvent("checkout.session.completed", { id: "cs_8", metadata }));
    expect(first.body).toMatchObject({ outcome: "sold" });
    const again = await deliver(sessionEvent("checkout.session.completed", { id: "cs_8", metadata }));
    expect(again.body).toMatchObject({ outcome: "already_recorded" });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
    // Four more than there are: oversold, stock untouched, one failure.
    const short = {
      shop_id: SHOP,
      inventory_mode: "validate_only",
      ...encodeSaleLines([{ sku: "A", variantKey: "", quantity: 7 }]),
    };
    expect(
      (await deliver(sessionEvent("checkout.session.completed", { id: "cs_8b", metadata: short }))).body,
    ).toMatchObject({ outcome: "oversold" });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
    // Counted once each, by the use case the webhook goes through (recordPaidInventorySale).
    expect((await counter("holdCommitted")) - committedBefore).toBe(1);
    expect((await counter("holdCommitFailed")) - failedBefore).toBe(1);
    const expired = await deliver(
      sessionEvent("checkout.session.expired", { id: "cs_9", status: "expired", payment_status: "unpaid", metadata }),
    );
    expect(expired.body).toMatchObject({ outcome: "nothing_held" });
  });

  it("a paid event naming a hold id no hold can have: not found, one failure counted, a critical alert", async () => {
    const failedBefore = await counter("holdCommitFailed");
    const result = await deliver(
      sessionEvent("checkout.session.completed", { id: "cs_bad", metadata: meta("hold\u0000bad") }),
    );
    expect(result).toMatchObject({ status: 200, body: { outcome: "hold_not_found" } });
    expect((await counter("holdCommitFailed")) - failedBefore).toBe(1);
    expect(await alerts()).toEqual([expect.objectContaining({ severity: "critical", kind: "hold_settlement_failed" })]);
    expect(await item("A")).toMatchObject({ quantity: 5, reserved: 0 });
  });

  it("a database that cannot answer: 500 so Stripe retries, a critical alert, and the retry settles", async () => {
    const { holdId } = await hold("A", 2);
    const deadDatabase = createDatabase({
      url: `postgresql://postgres:postgres@127.0.0.1:${await freePort()}/none`,
      connectionTimeoutMillis: 500,
    });
    const payload = sessionEvent("checkout.session.completed", { id: "cs_10", metadata: meta(holdId) });
    const response = await handleStripeWebhook(signedRequest(payload), {
      ...options,
      holds: createPrismaHoldStore(deadDatabase),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: "unavailable" });
    expect(await alerts()).toEqual([expect.objectContaining({ severity: "critical", kind: "hold_settlement_failed" })]);
    expect(await item("A")).toMatchObject({ quantity: 5, reserved: 2 });
    await deadDatabase.close();
    const retry = await deliver(payload);
    expect(retry.body).toMatchObject({ outcome: "committed" });
    expect(await item("A")).toMatchObject({ quantity: 3, reserved: 0 });
  });
});

async function releaseAll() {
  return holds.releaseExpiredHolds({ shopId: SHOP, limit: 1000, now: clock });
}

/** A counter of this process's metrics registry, now. */
async function counter(name: "holdCommitted" | "holdReleased" | "holdCommitFailed"): Promise<number> {
  return (await getMetrics()[name].get()).values.reduce((sum, entry) => sum + entry.value, 0);
}
