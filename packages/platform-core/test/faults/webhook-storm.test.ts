import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, describe, expect, it } from "vitest";
import { createJsonOpsAlertStore, createPrismaOpsAlertStore } from "../../src/alerts/ops-alert-store.ts";
import { createInventoryHold } from "../../src/holds/create-inventory-hold.ts";
import { createJsonHoldStore } from "../../src/holds/json-hold-store.ts";
import { createPrismaHoldStore } from "../../src/holds/prisma-hold-store.ts";
import type { HoldStore } from "../../src/holds/types.ts";
import { createJsonInventoryStore } from "../../src/inventory/json-inventory-store.ts";
import { createPrismaInventoryStore } from "../../src/inventory/prisma-inventory-store.ts";
import type { InventoryStore } from "../../src/inventory/inventory-store.ts";
import { handleStripeWebhook, type StripeWebhookOptions } from "../../src/webhooks/handle-stripe-webhook.ts";
import { createJsonWebhookEventLog, createPrismaWebhookEventLog } from "../../src/webhooks/webhook-event-log.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { expectPostgresBooksBalance, expectStoreBooksBalance, prng } from "./fault-checks.ts";

// Webhook storms on real PostgreSQL, every event signed as Stripe signs it.
// test/stripe-webhook.test.ts covers single sequences (10 concurrent copies of
// one completed event, completed/expired in either order, a delayed payment).
// Here many holds are settled at once, each by its own storm: every event
// delivered 20 times at once and again later, the events of one session in
// hostile orders (or all at the same instant), interleaved across sessions.

const SECRET = "whsec_storm";
const SHOP = "storm";
const COPIES = 20;

type Step = { type: string; paymentStatus: "paid" | "unpaid" };
const completedPaid: Step = { type: "checkout.session.completed", paymentStatus: "paid" };
const completedUnpaid: Step = { type: "checkout.session.completed", paymentStatus: "unpaid" };
const expired: Step = { type: "checkout.session.expired", paymentStatus: "unpaid" };
const succeeded: Step = { type: "checkout.session.async_payment_succeeded", paymentStatus: "paid" };
const failed: Step = { type: "checkout.session.async_payment_failed", paymentStatus: "unpaid" };

/**
 * Each scenario: bursts delivered in order (the events inside one burst at the same instant), and the hold's final
 * status.
 */
const SCENARIOS: Array<{ name: string; bursts: Step[][]; final: "committed" | "released" }> = [
  { name: "paid", bursts: [[completedPaid]], final: "committed" },
  { name: "expired before completed", bursts: [[expired], [completedPaid]], final: "committed" },
  { name: "completed before expired", bursts: [[completedPaid], [expired]], final: "committed" },
  { name: "completed and expired at the same instant", bursts: [[completedPaid, expired]], final: "committed" },
  { name: "async succeeded, then failed", bursts: [[completedUnpaid], [succeeded], [failed]], final: "committed" },
  {
    name: "async succeeded and failed at the same instant",
    bursts: [[completedUnpaid], [succeeded, failed]],
    final: "committed",
  },
  { name: "async failed, then succeeded late", bursts: [[completedUnpaid], [failed], [succeeded]], final: "committed" },
  { name: "async failed", bursts: [[completedUnpaid], [failed]], final: "released" },
  { name: "expired only", bursts: [[expired]], final: "released" },
  {
    name: "expired, then unpaid completed, then failed",
    bursts: [[expired], [completedUnpaid], [failed]],
    final: "released",
  },
];

/** One backend as the webhook sees it, plus the ways to read back what it stored. */
interface Backend {
  stock: InventoryStore;
  holds: HoldStore;
  options: StripeWebhookOptions;
  /** Sale ledger entries per hold id. */
  salesByHold(): Promise<Map<string, number>>;
  recordedEventIds(): Promise<string[]>;
  criticalAlerts(): Promise<unknown[]>;
  booksBalance(): Promise<void>;
  destroy(): Promise<void>;
}

async function postgresBackend(): Promise<Backend> {
  const db: TestDatabase = await createTestDatabase({ poolSize: 20 });
  const stock = createPrismaInventoryStore(db);
  const holds = createPrismaHoldStore(db);
  return {
    stock,
    holds,
    options: { secret: SECRET, holds, events: createPrismaWebhookEventLog(db), alerts: createPrismaOpsAlertStore(db) },
    async salesByHold() {
      const rows = await db.pool.query<{ holdId: string; n: number }>(
        `SELECT "holdId", count(*)::int AS n FROM "StockLedgerEntry" WHERE reason = 'sale' AND "holdId" IS NOT NULL GROUP BY 1`,
      );
      return new Map(rows.rows.map((row) => [row.holdId, row.n]));
    },
    recordedEventIds: async () =>
      (await db.pool.query<{ id: string }>(`SELECT id FROM "ProcessedWebhookEvent"`)).rows.map((row) => row.id).sort(),
    criticalAlerts: async () =>
      (await db.pool.query<{ kind: string }>(`SELECT kind FROM "OpsAlert" WHERE severity = 'critical'`)).rows,
    booksBalance: () => expectPostgresBooksBalance(db, holds, SHOP),
    destroy: () => db.destroy(),
  };
}

async function jsonBackend(): Promise<Backend> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "acme-fault-storm-"));
  const stock = createJsonInventoryStore({ dataDir });
  const holds = createJsonHoldStore({ dataDir });
  return {
    stock,
    holds,
    options: {
      secret: SECRET,
      holds,
      events: createJsonWebhookEventLog({ dataDir }),
      alerts: createJsonOpsAlertStore({ dataDir }),
    },
    async salesByHold() {
      const counts = new Map<string, number>();
      for (const entry of await stock.listLedger(SHOP, { limit: 1000 })) {
        if (entry.reason === "sale" && entry.holdId) counts.set(entry.holdId, (counts.get(entry.holdId) ?? 0) + 1);
      }
      return counts;
    },
    recordedEventIds: async () =>
      (await readdir(path.join(dataDir, "webhook-events"))).map((name) => decodeURIComponent(name)).sort(),
    async criticalAlerts() {
      const text = await readFile(path.join(dataDir, "ops-alerts.jsonl"), "utf8").catch(() => "");
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { severity: string })
        .filter((alert) => alert.severity === "critical");
    },
    booksBalance: () => expectStoreBooksBalance(stock, holds, SHOP),
    async destroy() {
      await stock.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function signedRequest(payload: unknown): Request {
  const body = JSON.stringify(payload);
  return new Request("http://cms.test/api/stripe/webhook", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }),
    },
    body,
  });
}

function event(id: string, step: Step, sessionId: string, holdId: string) {
  return {
    id,
    object: "event",
    type: step.type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    api_version: "2026-10-28.endive",
    data: {
      object: {
        id: sessionId,
        object: "checkout.session",
        status: step.type === "checkout.session.expired" ? "expired" : "complete",
        payment_status: step.paymentStatus,
        metadata: { shop_id: SHOP, inventory_reservation_id: holdId },
      },
    },
  };
}

describe.each([
  { name: "PostgreSQL", create: postgresBackend },
  { name: "JSON files", create: jsonBackend },
])("webhook storms: $name", ({ create }) => {
  let backend: Backend;
  afterAll(() => backend?.destroy());

  it(`settles each of many holds exactly once under ${COPIES}-fold concurrent duplicates and hostile orders`, async () => {
    backend = await create();
    const { stock, holds, options } = backend;
    const skus = ["S1", "S2", "S3", "S4"];
    await stock.upsertItems(
      SHOP,
      skus.map((sku) => ({ sku, productId: sku.toLowerCase(), quantity: 1_000 })),
      { reason: "import", actor: "t" },
    );
    const random = prng(42);
    const HOLDS_PER_SCENARIO = 4;

    const sessions: Array<{
      holdId: string;
      sessionId: string;
      scenario: (typeof SCENARIOS)[number];
      lines: number;
      eventIds: string[];
    }> = [];
    for (const scenario of SCENARIOS) {
      for (let n = 0; n < HOLDS_PER_SCENARIO; n++) {
        const first = skus[Math.floor(random() * skus.length)]!;
        const second = skus.find((sku) => sku !== first)!;
        const requests =
          random() < 0.5
            ? [{ sku: first, quantity: 2 }]
            : [
                { sku: first, quantity: 1 },
                { sku: second, quantity: 3 },
              ];
        const { holdId } = await createInventoryHold({ shopId: SHOP, requests, ttlSeconds: 3600, store: holds });
        sessions.push({ holdId, sessionId: `cs_${sessions.length}`, scenario, lines: requests.length, eventIds: [] });
      }
    }

    const statuses: number[] = [];
    async function deliver(payload: unknown) {
      const response = await handleStripeWebhook(signedRequest(payload), options);
      statuses.push(response.status);
      await response.body?.cancel();
    }

    // Every session's storm at once, interleaved; within a session, bursts in order.
    await Promise.all(
      sessions.map(async (session) => {
        for (const [b, burst] of session.scenario.bursts.entries()) {
          const payloads = burst.map((step, s) => {
            const id = `evt_${session.sessionId}_${b}_${s}`;
            session.eventIds.push(id);
            return event(id, step, session.sessionId, session.holdId);
          });
          // COPIES copies of each event of the burst, shuffled together, all in flight at once.
          const copies = payloads.flatMap((payload) => Array.from({ length: COPIES }, () => payload));
          copies.sort(() => random() - 0.5);
          await Promise.all(copies.map(deliver));
        }
        // Stripe redelivers later too: a few more copies of every event, one at a time.
        for (const [b, burst] of session.scenario.bursts.entries()) {
          for (const [s, step] of burst.entries())
            await deliver(event(`evt_${session.sessionId}_${b}_${s}`, step, session.sessionId, session.holdId));
        }
      }),
    );

    // Every delivery was answered 200: nothing for Stripe to retry, nothing failed.
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    const sales = await backend.salesByHold();
    for (const session of sessions) {
      const hold = await holds.getHold({ shopId: SHOP, holdId: session.holdId, now: new Date() });
      // Settled once and correctly: final status, and one sale per line only when sold.
      expect({ scenario: session.scenario.name, status: hold?.status, sales: sales.get(session.holdId) ?? 0 }).toEqual({
        scenario: session.scenario.name,
        status: session.scenario.final,
        sales: session.scenario.final === "committed" ? session.lines : 0,
      });
    }
    // Reserved back to 0 everywhere (no hold left active), books balance.
    for (const item of await stock.listItems(SHOP)) expect(item.reserved).toBe(0);
    await backend.booksBalance();

    // Each event id recorded once, and only the ones sent.
    const sent = sessions.flatMap((session) => session.eventIds).sort();
    expect(await backend.recordedEventIds()).toEqual(sent);
    // Plentiful stock: nothing oversold, no critical alert.
    expect(await holds.listOversoldSales({ shopId: SHOP })).toEqual([]);
    expect(await backend.criticalAlerts()).toEqual([]);
    console.info(
      `[faults] webhook storm: ${JSON.stringify({ holds: sessions.length, events: sent.length, deliveries: statuses.length })}`,
    );
  });
});
