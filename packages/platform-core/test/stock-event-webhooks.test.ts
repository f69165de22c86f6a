import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPrismaOpsAlertStore } from "../src/alerts/ops-alert-store.ts";
import { createDatabase, type Database } from "../src/db/prisma-client.ts";
import { resetEnvCache } from "../src/env.ts";
import { commitInventoryHold } from "../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import type { HoldStore } from "../src/holds/types.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import type { LocationStore } from "../src/locations/types.ts";
import { createStockEventSubscription } from "../src/stock-events/create-stock-event-subscription.ts";
import { deleteStockEventSubscription } from "../src/stock-events/delete-stock-event-subscription.ts";
import { deliverStockEvents, type DeliverStockEventsOptions } from "../src/stock-events/deliver-stock-events.ts";
import { getStockEventSubscription } from "../src/stock-events/get-stock-event-subscription.ts";
import { listStockEventDeliveries } from "../src/stock-events/list-stock-event-deliveries.ts";
import { listStockEventSubscriptions } from "../src/stock-events/list-stock-event-subscriptions.ts";
import { listStockEvents } from "../src/stock-events/list-stock-events.ts";
import { pruneStockEvents } from "../src/stock-events/prune-stock-events.ts";
import { replayStockEvents } from "../src/stock-events/replay-stock-events.ts";
import {
  forgetStockEventSubscriptionCache,
  runBackgroundStockEventDelivery,
} from "../src/stock-events/run-background-stock-event-delivery.ts";
import { sequenceStockEvents } from "../src/stock-events/sequence-stock-events.ts";
import { updateStockEventSubscription } from "../src/stock-events/update-stock-event-subscription.ts";
import { createIntegration } from "../src/integrations/create-integration.ts";
import { handleStockEventsRequest } from "../src/stock-events/handle-stock-events-request.ts";
import { StockEventSubscriber } from "./support/stock-event-subscriber.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/**
 * Stock event webhooks end to end on PostgreSQL, with a real HTTP subscriber on loopback: every committed change
 * arrives, in sequence order per shop, at least once, duplicated only by attempts whose answer failed or was lost.
 */

const SECRET = "whsec_stock_events_test_secret";
/** Fast settings: a stalled subscriber times out in 300 ms, backoff 20 ms doubling to 80 ms. */
const FAST = { timeoutMs: 300, backoffBaseMs: 20, backoffCapMs: 80, random: () => 0 } as const;

let db: TestDatabase;
let stock: InventoryStore;
let holds: HoldStore;
let locations: LocationStore;
const subscribers: StockEventSubscriber[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 8 });
  stock = createPrismaInventoryStore(db);
  holds = createPrismaHoldStore(db);
  locations = createPrismaLocationStore(db);
});

// Each test's subscriptions go with it: a delivery run serves every subscription in the database.
afterEach(async () => {
  await db.pool.query(`DELETE FROM "StockEventSubscription"`);
});

afterAll(async () => {
  for (const subscriber of subscribers) await subscriber.close();
  await db?.destroy();
});

async function subscriber(): Promise<StockEventSubscriber> {
  const created = new StockEventSubscriber(SECRET);
  await created.open();
  subscribers.push(created);
  return created;
}

async function seedShop(shopId: string): Promise<void> {
  await locations.createLocation({ shopId, code: "north", name: "North", kind: "store", actor: "test" });
  await stock.upsertItems(
    shopId,
    [
      { sku: "A", productId: "a", quantity: 400 },
      { sku: "B", productId: "b", quantity: 400 },
      { sku: "A", productId: "a", quantity: 50, location: "north" },
    ],
    { reason: "import", actor: "test" },
  );
}

/** One round of real stock changes: a sale (hold, commit), a released hold, an edit and a transfer. */
async function churn(
  shopId: string,
  round: number,
  store: { stock: InventoryStore; holds: HoldStore } = { stock, holds },
) {
  const sold = await createInventoryHold({ shopId, requests: [{ sku: "A", quantity: 1 }], store: store.holds });
  await commitInventoryHold({ shopId, holdId: sold.holdId, store: store.holds });
  const released = await createInventoryHold({ shopId, requests: [{ sku: "B", quantity: 2 }], store: store.holds });
  await releaseInventoryHold({ shopId, holdId: released.holdId, store: store.holds });
  await store.stock.setQuantity({
    shopId,
    sku: "B",
    variantKey: "",
    quantity: 300 - round,
    reason: "edit",
    actor: "test",
  });
  await locations.createTransfer({
    shopId,
    from: "main",
    to: "north",
    lines: [{ sku: "A", variantKey: "", quantity: 1 }],
    actor: "test",
  });
}

async function lastSeq(shopId: string, on: Database = db): Promise<number> {
  await sequenceStockEvents({ db: on, shopId });
  const { rows } = await on.pool.query<{ lastSeq: string }>(
    `SELECT "lastSeq"::text AS "lastSeq" FROM "StockEventShop" WHERE "shopId" = $1`,
    [shopId],
  );
  return Number(rows[0]?.lastSeq ?? 0);
}

async function cursorOf(subscriptionId: string, shopId: string) {
  const subscription = await getStockEventSubscription({ id: subscriptionId, db });
  return subscription.cursors.find((cursor) => cursor.shopId === shopId)!;
}

async function logOf(subscriptionId: string) {
  const { rows } = await db.pool.query<{
    deliveryId: string;
    outcome: string;
    httpStatus: number | null;
    error: string | null;
    fromSeq: string;
    toSeq: string;
    attempt: number;
    events: number;
  }>(
    `SELECT "deliveryId", outcome, "httpStatus", error, "fromSeq"::text AS "fromSeq", "toSeq"::text AS "toSeq", attempt,
            events
     FROM "StockEventDelivery" WHERE "subscriptionId" = $1 ORDER BY id`,
    [subscriptionId],
  );
  return rows;
}

/** Delivery runs (as the cron and after() would make them) until the cursor reaches the shop's last event. */
async function deliverUntilCaughtUp(
  subscriptionId: string,
  shopId: string,
  options: DeliverStockEventsOptions = {},
  on: Database = db,
) {
  for (let run = 0; run < 300; run++) {
    await deliverStockEvents({ db: on, ...FAST, ...options });
    const target = await lastSeq(shopId, on);
    if ((await cursorOf(subscriptionId, shopId)).deliveredSeq === target) return target;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("delivery did not catch up");
}

/** The first time each sequence number arrived, in arrival order. */
function firstArrivals(sequences: number[]): number[] {
  const seen = new Set<number>();
  return sequences.filter((sequence) => !seen.has(sequence) && seen.add(sequence));
}

async function caught(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; details: Record<string, unknown> };
  }
  throw new Error("expected a rejection");
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

async function opsAlerts(kind: string, subscriptionId: string) {
  const { rows } = await db.pool.query<{ severity: string; details: Record<string, unknown> }>(
    `SELECT severity, details FROM "OpsAlert" WHERE kind = $1 AND details->>'subscriptionId' = $2 ORDER BY id`,
    [kind, subscriptionId],
  );
  return rows;
}

describe("stock event delivery", () => {
  it("delivers every event in order through 500s, a stalled answer, refused connections and recovery", async () => {
    const shopId = "webhook-faults";
    await seedShop(shopId);
    const hook = await subscriber();
    const { subscription } = await createStockEventSubscription({
      db,
      name: "ERP",
      url: hook.url,
      shops: [shopId],
      kinds: ["stock.held", "stock.released", "stock.sold", "stock.adjusted", "stock.transferred"],
      secret: SECRET,
      startFrom: "beginning",
      actor: "admin@example.test",
    });
    const id = subscription.id;

    // One runner and a fixed 300 ms backoff, so each run below makes exactly one attempt (even on a loaded machine).
    const FAULTS = { ...FAST, concurrency: 1, backoffBaseMs: 600, backoffCapMs: 600 };
    hook.mode = "fail";
    await churn(shopId, 1);
    await deliverStockEvents({ db, ...FAULTS });
    await churn(shopId, 2);
    await new Promise((resolve) => setTimeout(resolve, 320));
    await deliverStockEvents({ db, ...FAULTS });
    expect((await cursorOf(id, shopId)).deliveredSeq).toBe(0);

    hook.mode = "stall";
    await churn(shopId, 3);
    await new Promise((resolve) => setTimeout(resolve, 320));
    const stalled = await deliverStockEvents({ db, ...FAULTS });
    expect(stalled.failed).toBe(1);
    expect((await cursorOf(id, shopId)).lastError).toBe("no answer within 300 ms");

    await hook.close();
    await churn(shopId, 4);
    await new Promise((resolve) => setTimeout(resolve, 320));
    const refused = await deliverStockEvents({ db, ...FAULTS });
    expect(refused.failed).toBe(1);
    const down = await cursorOf(id, shopId);
    expect(down.deliveredSeq).toBe(0);
    expect(down.failures).toBe(4);
    expect(down.lastError).toMatch(/^connection refused/);

    await hook.open();
    hook.mode = "ok";
    // Changes keep coming while the subscriber catches up.
    const changes = (async () => {
      for (let round = 5; round <= 8; round++) await churn(shopId, round);
    })();
    await deliverUntilCaughtUp(id, shopId);
    await changes;
    const last = await deliverUntilCaughtUp(id, shopId);

    // Deduplicated by sequence, the subscriber has exactly the shop's 1..lastSeq, first seen in order.
    const arrived = hook.sequences(shopId);
    expect(firstArrivals(arrived)).toEqual(range(1, last));
    expect(hook.received.every((entry) => entry.signed)).toBe(true);
    expect(hook.received.every((entry) => entry.userAgent === "acme-stock-events/1")).toBe(true);
    expect(hook.received.every((entry) => entry.contentType === "application/json")).toBe(true);
    // Each batch is consecutive numbers of one shop, and carries the id it was logged with.
    const log = await logOf(id);
    const byDelivery = new Map(log.map((row) => [row.deliveryId, row]));
    for (const entry of hook.received) {
      const sequences = entry.batch.events.map((event) => event.sequence);
      expect(sequences).toEqual(range(sequences[0]!, sequences[0]! + sequences.length - 1));
      expect(entry.batch.deliveryId).toBe(entry.deliveryId);
      const row = byDelivery.get(entry.deliveryId!)!;
      expect(row).toBeDefined();
      expect([Number(row.fromSeq), Number(row.toSeq), row.events]).toEqual([
        sequences[0],
        sequences[sequences.length - 1],
        sequences.length,
      ]);
      // Answered 200: logged sent; 500 or no answer: logged failed.
      expect(row.outcome).toBe(entry.answered === 200 ? "sent" : "failed");
    }
    // Exactly as many copies as at-least-once allows: one per 2xx batch (each event in exactly one), plus one per
    // failed attempt the subscriber received (its 500s and the stalled one); refused connections delivered nothing.
    const copies = new Map<number, number>();
    for (const sequence of arrived) copies.set(sequence, (copies.get(sequence) ?? 0) + 1);
    const okCopies = hook.received.filter((entry) => entry.answered === 200).flatMap((e) => e.batch.events);
    expect(okCopies.map((event) => event.sequence)).toEqual(range(1, last));
    const failedReceived = hook.received.filter((entry) => entry.answered !== 200);
    expect(failedReceived.map((entry) => entry.answered)).toEqual([500, 500, null]);
    for (const sequence of range(1, last)) {
      const failedCopies = failedReceived.filter((entry) => entry.batch.events.some((e) => e.sequence === sequence));
      expect(copies.get(sequence)).toBe(1 + failedCopies.length);
    }
    expect(log.filter((row) => row.outcome === "failed").map((row) => row.httpStatus)).toEqual([500, 500, null, null]);
    expect(log.filter((row) => row.outcome === "failed").map((row) => row.attempt)).toEqual([1, 2, 3, 4]);
    // The payloads are the events as the events API reads them.
    const page = await listStockEvents({ db, shopId, afterSeq: 0, limit: 1000 });
    const delivered = new Map(okCopies.map((event) => [event.sequence, event]));
    expect(page.events.map((event) => delivered.get(event.sequence))).toEqual(page.events);
    expect(new Set(page.events.map((event) => event.type))).toEqual(
      new Set(["stock.adjusted", "stock.held", "stock.sold", "stock.released", "stock.transferred"]),
    );
    const after = await cursorOf(id, shopId);
    expect(after).toMatchObject({ deliveredSeq: last, lag: 0, failures: 0, lastError: null, alertedAt: null });
    expect(after.lastSuccessAt).not.toBeNull();
  });

  it("loses nothing when the process dies before delivering, and redelivers a batch whose cursor update died", async () => {
    const shopId = "webhook-crash";
    const hook = await subscriber();
    const first = createDatabase({ url: db.url, poolSize: 3 });
    const firstStores = { stock: createPrismaInventoryStore(first), holds: createPrismaHoldStore(first) };
    await seedShop(shopId);
    const { subscription } = await createStockEventSubscription({
      db: first,
      name: "WMS",
      url: hook.url,
      shops: [shopId],
      kinds: ["stock.held", "stock.released", "stock.sold", "stock.adjusted", "stock.transferred"],
      secret: SECRET,
      startFrom: "beginning",
      actor: "admin@example.test",
    });
    // Changes committed, then the process dies before any delivery (not even sequencing ran).
    await churn(shopId, 1, firstStores);
    await churn(shopId, 2, firstStores);
    await first.close();

    const second = createDatabase({ url: db.url, poolSize: 3 });
    const last = await deliverUntilCaughtUp(subscription.id, shopId, {}, second);
    expect(firstArrivals(hook.sequences(shopId))).toEqual(range(1, last));
    expect(hook.sequences(shopId)).toHaveLength(last);

    // Now a delivery whose POST is answered 200 but whose process dies before recording it.
    await churn(shopId, 3, { stock: createPrismaInventoryStore(second), holds: createPrismaHoldStore(second) });
    const dying = createDatabase({ url: db.url, poolSize: 3 });
    const before = hook.received.length;
    await expect(
      deliverStockEvents({
        db: dying,
        ...FAST,
        concurrency: 1,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          await dying.close();
          return response;
        },
      }),
    ).rejects.toThrow();
    const lost = hook.received.slice(before);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.answered).toBe(200);
    expect((await cursorOf(subscription.id, shopId)).deliveredSeq).toBe(last);

    // A fresh process takes the cursor over once the dead one's lease ran out, and sends the same events again.
    const third = createDatabase({ url: db.url, poolSize: 3 });
    const early = await deliverStockEvents({ db: third, ...FAST });
    expect(early.attempts).toBe(0);
    const later = new Date(Date.now() + FAST.timeoutMs + 31_000);
    const redelivered = await deliverStockEvents({ db: third, ...FAST, now: later });
    expect(redelivered.sent).toBe(1);
    const again = hook.received.slice(before + 1);
    expect(again.map((entry) => entry.batch.events.map((e) => e.sequence))).toEqual([
      lost[0]!.batch.events.map((e) => e.sequence),
    ]);
    const final = await lastSeq(shopId, third);
    expect(firstArrivals(hook.sequences(shopId))).toEqual(range(1, final));
    expect((await cursorOf(subscription.id, shopId)).deliveredSeq).toBe(final);
    await second.close();
    await third.close();
  });

  it("two runners on two pools at once: each event once, in order, deliveries of a cursor never overlap", async () => {
    const shops = ["webhook-race-1", "webhook-race-2", "webhook-race-3"];
    for (const shopId of shops) await seedShop(shopId);
    const hook = await subscriber();
    hook.delayMs = 5;
    const { subscription } = await createStockEventSubscription({
      db,
      name: "Race",
      url: hook.url,
      shops,
      kinds: ["stock.held", "stock.released", "stock.sold", "stock.adjusted", "stock.transferred"],
      secret: SECRET,
      startFrom: "beginning",
      actor: "admin@example.test",
    });
    const a = createDatabase({ url: db.url, poolSize: 4 });
    const b = createDatabase({ url: db.url, poolSize: 4 });
    let changing = true;
    const changes = (async () => {
      for (let round = 1; round <= 4; round++) await Promise.all(shops.map((shopId) => churn(shopId, round)));
      changing = false;
    })();
    const runner = async (on: Database) => {
      while (changing) await deliverStockEvents({ db: on, ...FAST, batchSize: 3, concurrency: 3 });
      await deliverStockEvents({ db: on, ...FAST, batchSize: 3, concurrency: 3 });
    };
    await Promise.all([changes, runner(a), runner(b)]);
    await Promise.all([
      deliverStockEvents({ db: a, ...FAST, batchSize: 3 }),
      deliverStockEvents({ db: b, ...FAST, batchSize: 3 }),
    ]);
    for (const shopId of shops) {
      const last = await lastSeq(shopId);
      // Every answer was 200: nothing may arrive twice, out of order or be skipped.
      expect(hook.sequences(shopId)).toEqual(range(1, last));
      expect((await cursorOf(subscription.id, shopId)).deliveredSeq).toBe(last);
      const intervals = hook.received
        .filter((entry) => entry.batch.shopId === shopId)
        .map((entry) => [entry.startedAt, entry.endedAt!] as const);
      for (let index = 1; index < intervals.length; index++) {
        expect(intervals[index]![0]).toBeGreaterThanOrEqual(intervals[index - 1]![1]);
      }
    }
    expect(new Set(hook.received.map((entry) => entry.batch.shopId))).toEqual(new Set(shops));
    await a.close();
    await b.close();
  });

  it("sends only the kinds subscribed to, passing over the rest without a request", async () => {
    const shopId = "webhook-kinds";
    await seedShop(shopId);
    const hook = await subscriber();
    const { subscription } = await createStockEventSubscription({
      db,
      name: "Sales only",
      url: hook.url,
      shops: [shopId],
      kinds: ["stock.sold"],
      secret: SECRET,
      actor: "admin@example.test",
    });
    // Holds released: nothing this subscription wants, so the cursor moves on with no request at all.
    const held = await createInventoryHold({ shopId, requests: [{ sku: "B", quantity: 1 }], store: holds });
    await releaseInventoryHold({ shopId, holdId: held.holdId, store: holds });
    const skipped = await deliverStockEvents({ db, ...FAST });
    expect(skipped).toMatchObject({ attempts: 0, skipped: 2 });
    expect(hook.received).toHaveLength(0);
    expect((await cursorOf(subscription.id, shopId)).deliveredSeq).toBe(await lastSeq(shopId));

    await churn(shopId, 1);
    await deliverUntilCaughtUp(subscription.id, shopId);
    const types = hook.received.flatMap((entry) => entry.batch.events.map((event) => [event.type, event.reason]));
    expect(types).toEqual([["stock.sold", "sale"]]);
  });

  it("a paused subscription receives nothing; resumed, it gets what happened meanwhile", async () => {
    const shopId = "webhook-paused";
    await seedShop(shopId);
    const hook = await subscriber();
    const { subscription } = await createStockEventSubscription({
      db,
      name: "Paused",
      url: hook.url,
      shops: [shopId],
      kinds: ["stock.adjusted"],
      secret: SECRET,
      active: false,
      actor: "admin@example.test",
    });
    const start = (await cursorOf(subscription.id, shopId)).deliveredSeq;
    expect(start).toBe(await lastSeq(shopId));
    await stock.setQuantity({ shopId, sku: "A", variantKey: "", quantity: 7, reason: "edit", actor: "t" });
    expect(await deliverStockEvents({ db, ...FAST })).toMatchObject({ attempts: 0 });
    expect((await cursorOf(subscription.id, shopId)).deliveredSeq).toBe(start);

    await updateStockEventSubscription({ db, id: subscription.id, active: true });
    await deliverUntilCaughtUp(subscription.id, shopId);
    expect(hook.received.flatMap((entry) => entry.batch.events.map((event) => event.quantity.after))).toEqual([7]);
  });

  it("replays from a sequence, refusing numbers outside 1..lastSeq+1", async () => {
    const shopId = "webhook-replay";
    await seedShop(shopId);
    const hook = await subscriber();
    const { subscription } = await createStockEventSubscription({
      db,
      name: "Replay",
      url: hook.url,
      shops: [shopId],
      kinds: ["stock.adjusted", "stock.transferred"],
      secret: SECRET,
      startFrom: "beginning",
      actor: "admin@example.test",
    });
    const last = await deliverUntilCaughtUp(subscription.id, shopId);
    const once = hook.sequences(shopId);
    for (const fromSeq of [0, last + 2, 1.5]) {
      await expect(replayStockEvents({ db, subscriptionId: subscription.id, shopId, fromSeq })).rejects.toMatchObject({
        code: "validation_failed",
        details: { errors: [{ field: "fromSeq" }] },
      });
    }
    await expect(
      replayStockEvents({ db, subscriptionId: subscription.id, shopId: "webhook-other", fromSeq: 1 }),
    ).rejects.toMatchObject({ code: "not_found" });
    expect((await cursorOf(subscription.id, shopId)).deliveredSeq).toBe(last);

    expect(await replayStockEvents({ db, subscriptionId: subscription.id, shopId, fromSeq: 2 })).toEqual({
      deliveredSeq: 1,
      lastSeq: last,
    });
    await deliverUntilCaughtUp(subscription.id, shopId);
    expect(hook.sequences(shopId)).toEqual([...once, ...once.filter((sequence) => sequence >= 2)]);
    // lastSeq + 1: nothing to send again; the cursor waits for the next event.
    await replayStockEvents({ db, subscriptionId: subscription.id, shopId, fromSeq: last + 1 });
    expect((await cursorOf(subscription.id, shopId)).deliveredSeq).toBe(last);
  });

  it("backs off exponentially, raises one failing alert per run of failures and clears it on recovery", async () => {
    const shopId = "webhook-alert";
    await seedShop(shopId);
    const hook = await subscriber();
    hook.mode = "fail";
    const { subscription } = await createStockEventSubscription({
      db,
      name: "Flaky",
      url: hook.url,
      shops: [shopId],
      kinds: ["stock.adjusted"],
      secret: SECRET,
      actor: "admin@example.test",
    });
    await stock.setQuantity({ shopId, sku: "A", variantKey: "", quantity: 9, reason: "edit", actor: "t" });
    const settings = {
      db,
      timeoutMs: 1000,
      backoffBaseMs: 10_000,
      backoffCapMs: 40_000,
      random: () => 1,
      alertStore: createPrismaOpsAlertStore(db),
    };
    let now = new Date();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await deliverStockEvents({ ...settings, now })).failed).toBe(1);
      const cursor = await cursorOf(subscription.id, shopId);
      expect(cursor.failures).toBe(attempt);
      delays.push(Date.parse(cursor.nextAttemptAt) - Date.parse(cursor.lastAttemptAt!));
      // Not due before its time.
      expect(
        (await deliverStockEvents({ ...settings, now: new Date(Date.parse(cursor.nextAttemptAt) - 1000) })).attempts,
      ).toBe(0);
      now = new Date(Date.parse(cursor.nextAttemptAt) + 1);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 40_000, 40_000]);
    const failing = await opsAlerts("stock_events_failing", subscription.id);
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({
      severity: "warning",
      details: { subscriptionId: subscription.id, shopId, failures: 3 },
    });
    expect(String(failing[0]!.details.lastError)).toContain("HTTP 500");
    expect((await cursorOf(subscription.id, shopId)).alertedAt).not.toBeNull();

    hook.mode = "ok";
    expect((await deliverStockEvents({ ...settings, now })).sent).toBe(1);
    expect((await cursorOf(subscription.id, shopId)).alertedAt).toBeNull();
    const recovered = await opsAlerts("stock_events_recovered", subscription.id);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ severity: "info", details: { shopId, failures: 5 } });

    // A new run of failures alerts again, once.
    hook.mode = "fail";
    await stock.setQuantity({ shopId, sku: "A", variantKey: "", quantity: 8, reason: "edit", actor: "t" });
    for (let attempt = 1; attempt <= 4; attempt++) {
      now = new Date(now.getTime() + 60_000);
      await deliverStockEvents({ ...settings, now });
    }
    expect(await opsAlerts("stock_events_failing", subscription.id)).toHaveLength(2);
    const page = await listStockEventDeliveries({ db, subscriptionId: subscription.id, limit: 3 });
    expect(page.deliveries.map((row) => row.attempt)).toEqual([4, 3, 2]);
    const next = await listStockEventDeliveries({
      db,
      subscriptionId: subscription.id,
      limit: 3,
      before: page.nextBefore,
    });
    expect(next.deliveries.map((row) => [row.attempt, row.outcome])).toEqual([
      [1, "failed"],
      [6, "sent"],
      [5, "failed"],
    ]);
  });

  it("the after-response pass delivers soon after a change, once per process at a time", async () => {
    const shopId = "webhook-background";
    await seedShop(shopId);
    const hook = await subscriber();
    const { subscription } = await createStockEventSubscription({
      db,
      name: "Background",
      url: hook.url,
      shops: [shopId],
      kinds: ["stock.sold"],
      secret: SECRET,
      actor: "admin@example.test",
    });
    forgetStockEventSubscriptionCache();
    await churn(shopId, 1);
    // Two requests ending at once: one pass in flight, the second asks for one more after it.
    await Promise.all([runBackgroundStockEventDelivery({ db }), runBackgroundStockEventDelivery({ db })]);
    expect(hook.sequences(shopId)).toHaveLength(1);
    expect((await cursorOf(subscription.id, shopId)).lag).toBe(0);
  });
});

describe("subscriptions", () => {
  it("validates every field, names it, and creates nothing", async () => {
    const before = (await listStockEventSubscriptions({ db })).length;
    const refused = await caught(
      createStockEventSubscription({
        db,
        name: " ",
        url: "ftp://example.com/hook",
        shops: ["Shop A!", "ok"],
        kinds: ["stock.sold", "stock.exploded"],
        secret: "short",
        actor: "admin@example.test",
      }),
    );
    expect(refused.code).toBe("validation_failed");
    const errors = (refused.details as { errors: Array<{ field: string; message: string }> }).errors;
    expect(errors.map((error) => error.field).sort()).toEqual(["kinds.1", "name", "secret", "shops.0", "url"]);
    expect(errors.find((error) => error.field === "url")?.message).toBe("must start with https://");
    for (const [field, value] of [
      ["shops", []],
      ["kinds", []],
      ["url", "not a url"],
    ] as const) {
      await expect(
        createStockEventSubscription({
          db,
          name: "x",
          url: "https://example.com/hook",
          shops: ["a"],
          kinds: ["stock.sold"],
          actor: "admin@example.test",
          [field]: value,
        }),
      ).rejects.toMatchObject({ details: { errors: [expect.objectContaining({ field })] } });
    }
    expect(await listStockEventSubscriptions({ db })).toHaveLength(before);
  });

  it("refuses internal and credentialed URLs in production unless private URLs are allowed", async () => {
    const saved = { NODE_ENV: process.env.NODE_ENV, allow: process.env.STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS };
    const attempt = (url: string) =>
      caught(
        createStockEventSubscription({
          db,
          name: "internal",
          url,
          shops: ["ssrf-shop"],
          kinds: ["stock.sold"],
          actor: "admin@example.test",
        }),
      );
    try {
      (process.env as Record<string, string>).NODE_ENV = "production";
      delete process.env.STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS;
      resetEnvCache();
      for (const url of [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://localhost/hook",
        "https://127.1/hook",
        "https://0x7f000001/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://10.0.0.5/hook",
        "https://172.16.3.4/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://metadata.google.internal/computeMetadata",
        "https://printer.local/hook",
        "https://app.localhost/hook",
      ]) {
        const refused = await attempt(url);
        expect(refused, url).toMatchObject({ code: "validation_failed" });
        expect(
          (refused.details as { errors: Array<{ field: string }> }).errors.map((e) => e.field),
          url,
        ).toEqual(["url"]);
      }
      // Credentials in the URL would be shown in the CMS, the delivery log and ops alerts.
      expect(await attempt("https://user:pass@hooks.example.com/stock")).toMatchObject({ code: "validation_failed" });
      await expect(
        createStockEventSubscription({
          db,
          name: "public",
          url: "https://172.32.0.1/hook",
          shops: ["ssrf-shop"],
          kinds: ["stock.sold"],
          actor: "admin@example.test",
        }),
      ).resolves.toBeDefined();
      process.env.STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS = "1";
      resetEnvCache();
      await expect(
        createStockEventSubscription({
          db,
          name: "same network",
          url: "http://10.0.0.5/hook",
          shops: ["ssrf-shop"],
          kinds: ["stock.sold"],
          actor: "admin@example.test",
        }),
      ).resolves.toBeDefined();
    } finally {
      (process.env as Record<string, string | undefined>).NODE_ENV = saved.NODE_ENV;
      if (saved.allow === undefined) delete process.env.STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS;
      else process.env.STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS = saved.allow;
      resetEnvCache();
    }
  });

  it("answers a delivery log cursor beyond 64 bits with validation_failed, not a database error", async () => {
    const { subscription } = await createStockEventSubscription({
      db,
      name: "log",
      url: "https://hooks.example.com/log",
      shops: ["log-shop"],
      kinds: ["stock.sold"],
      actor: "admin@example.test",
    });
    for (const before of ["9223372036854775808", "9999999999999999999"]) {
      await expect(listStockEventDeliveries({ db, subscriptionId: subscription.id, before })).rejects.toMatchObject({
        code: "validation_failed",
      });
    }
    await expect(
      listStockEventDeliveries({ db, subscriptionId: subscription.id, before: "9223372036854775807" }),
    ).resolves.toMatchObject({ deliveries: [] });
  });

  it("generates a secret shown once, rotates it, changes shops and kinds, deletes", async () => {
    await stock.upsertItems("sub-shop-a", [{ sku: "A", productId: "a", quantity: 3 }], {
      reason: "import",
      actor: "t",
    });
    const created = await createStockEventSubscription({
      db,
      name: "  Data   warehouse ",
      url: "https://hooks.example.com/stock",
      shops: ["sub-shop-b", "sub-shop-a"],
      kinds: ["stock.sold", "stock.held"],
      actor: "admin@example.test",
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.subscription).toMatchObject({
      name: "Data warehouse",
      shops: ["sub-shop-a", "sub-shop-b"],
      kinds: ["stock.held", "stock.sold"],
      active: true,
    });
    expect(JSON.stringify(created.subscription)).not.toContain(created.secret);
    // New subscribers start at the shop's current last sequence number.
    const a = created.subscription.cursors.find((cursor) => cursor.shopId === "sub-shop-a")!;
    expect(a.deliveredSeq).toBe(await lastSeq("sub-shop-a"));
    expect(a.deliveredSeq).toBeGreaterThan(0);

    const rotated = await updateStockEventSubscription({ db, id: created.subscription.id, rotateSecret: true });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const { rows } = await db.pool.query<{ secret: string }>(
      `SELECT secret FROM "StockEventSubscription" WHERE id = $1`,
      [created.subscription.id],
    );
    expect(rows[0]!.secret).toBe(rotated.secret);

    const moved = await updateStockEventSubscription({
      db,
      id: created.subscription.id,
      shops: ["sub-shop-a", "sub-shop-c"],
      kinds: ["stock.adjusted"],
      active: false,
    });
    expect(moved.secret).toBeUndefined();
    expect(moved.subscription.cursors.map((cursor) => cursor.shopId)).toEqual(["sub-shop-a", "sub-shop-c"]);
    expect(moved.subscription).toMatchObject({ kinds: ["stock.adjusted"], active: false });
    await expect(
      updateStockEventSubscription({ db, id: created.subscription.id, url: "http://example.com/x" }),
    ).resolves.toBeDefined();
    await expect(
      updateStockEventSubscription({ db, id: "00000000-0000-7000-8000-000000000000", name: "x" }),
    ).rejects.toMatchObject({ code: "not_found" });

    await deleteStockEventSubscription({ db, id: created.subscription.id });
    await expect(getStockEventSubscription({ db, id: created.subscription.id })).rejects.toMatchObject({
      code: "not_found",
    });
    const { rows: cursors } = await db.pool.query(`SELECT 1 FROM "StockEventCursor" WHERE "subscriptionId" = $1`, [
      created.subscription.id,
    ]);
    expect(cursors).toHaveLength(0);
  });

  it("prunes sequenced events and delivery rows past retention", async () => {
    const shopId = "webhook-prune";
    await stock.upsertItems(shopId, [{ sku: "A", productId: "a", quantity: 3 }], { reason: "import", actor: "t" });
    await sequenceStockEvents({ db, shopId });
    await stock.setQuantity({ shopId, sku: "A", variantKey: "", quantity: 4, reason: "edit", actor: "t" });
    const future = new Date(Date.now() + 31 * 86_400_000);
    const pruned = await pruneStockEvents({ db, now: future, batchSize: 2 });
    expect(pruned.events).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ seq: string | null }>(
      `SELECT seq::text AS seq FROM "StockEvent" WHERE "shopId" = $1`,
      [shopId],
    );
    // The unsequenced edit stays.
    expect(rows).toEqual([{ seq: null }]);
    const { rows: logRows } = await db.pool.query(`SELECT 1 FROM "StockEventDelivery"`);
    expect(logRows).toHaveLength(0);
  });

  it("moves an events reader past events pruned before it read them, so it does not ask for them forever", async () => {
    const shopId = "webhook-prune-reader";
    await stock.upsertItems(shopId, [{ sku: "A", productId: "a", quantity: 3 }], { reason: "import", actor: "t" });
    await stock.setQuantity({ shopId, sku: "A", variantKey: "", quantity: 4, reason: "edit", actor: "t" });
    await sequenceStockEvents({ db, shopId });
    const last = await lastSeq(shopId);
    expect(last).toBeGreaterThan(0);
    await pruneStockEvents({ db, now: new Date(Date.now() + 31 * 86_400_000) });
    const page = await listStockEvents({ db, shopId, afterSeq: 0 });
    expect(page).toEqual({ events: [], nextAfterSeq: last, lastSeq: last });
    // A reader ahead of the shop stays where it is.
    expect((await listStockEvents({ db, shopId, afterSeq: last + 5 })).nextAfterSeq).toBe(last + 5);
  });
});

describe("events API", () => {
  it("pulls a shop's events after a sequence number with an integration token, naming bad parameters", async () => {
    const shopId = "events-api";
    await seedShop(shopId);
    await churn(shopId, 1);
    const { token } = await createIntegration({ name: "ERP", shops: [shopId], actor: "admin", database: db });
    const get = (query: string, bearer = token, shop = shopId) =>
      handleStockEventsRequest(
        new Request(`http://cms.test/api/v1/shops/${shop}/stock-events${query}`, {
          headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
        }),
        { shopId: shop, database: db },
      );
    const last = await lastSeq(shopId);
    const pages: number[] = [];
    let after = 0;
    for (;;) {
      const response = await get(`?after=${after}&limit=4`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        events: Array<{ sequence: number }>;
        nextAfter: number;
        lastSeq: number;
      };
      expect(page.lastSeq).toBe(last);
      pages.push(...page.events.map((event) => event.sequence));
      if (page.nextAfter === after) break;
      after = page.nextAfter;
    }
    expect(pages).toEqual(range(1, last));
    const sold = (await (await get("?types=stock.sold")).json()) as {
      events: Array<{ type: string }>;
      nextAfter: number;
    };
    expect(sold.events.map((event) => event.type)).toEqual(["stock.sold"]);
    expect(sold.nextAfter).toBe(last);
    expect((await get("", "")).status).toBe(401);
    expect((await get("", "acme_int_wrong")).status).toBe(401);
    expect((await get("", token, "another-shop")).status).toBe(403);
    const bad = await get("?after=-1&limit=5000&types=stock.sold,nope");
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: Array<{ field: string }> };
    expect(body.errors.map((error) => error.field).sort()).toEqual(["after", "limit", "types.1"]);
  });
});
