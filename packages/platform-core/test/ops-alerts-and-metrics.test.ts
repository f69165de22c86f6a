import { serveFetchHandler, startSmtpSink, type ServedFetchHandler, type SmtpSink } from "@acme/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertChannels } from "../src/alerts/alert-channels.ts";
import {
  ALERT_SIGNATURE_HEADER,
  signAlertWebhook,
  verifyAlertWebhookSignature,
} from "../src/alerts/alert-webhook-signature.ts";
import { handleOpsAlertCron } from "../src/alerts/handle-ops-alert-cron.ts";
import { createPrismaOpsAlertStore } from "../src/alerts/ops-alert-store.ts";
import { evaluateOpsAlertRules } from "../src/alerts/ops-alert-rules.ts";
import { sendOpsAlert } from "../src/alerts/send-ops-alert.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { releaseExpiredHoldsForAllShops } from "../src/holds/release-expired-inventory-holds.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { getHoldLifecycleSeries } from "../src/metrics/get-hold-lifecycle-series.ts";
import { handleMetricsRequest } from "../src/metrics/handle-metrics-request.ts";
import { createOpsEventRecorder, setOpsEventRecorder, type OpsEventRecorder } from "../src/metrics/ops-events.ts";
import { validateInventoryAvailability } from "../src/validation/validate-inventory-availability.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SECRET = "whsec_ops_test";
let db: TestDatabase;
let smtp: SmtpSink;
let receiver: ServedFetchHandler;
let hooks: Array<{ body: string; signed: boolean }>;
let recorder: OpsEventRecorder;
let channels: AlertChannels;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 6 });
  smtp = await startSmtpSink();
  receiver = await serveFetchHandler(async (request) => {
    const body = await request.text();
    hooks.push({
      body,
      signed: verifyAlertWebhookSignature({
        body,
        header: request.headers.get(ALERT_SIGNATURE_HEADER),
        secret: SECRET,
      }),
    });
    return new Response("ok");
  });
  channels = {
    email: {
      transport: { host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true },
      from: "inventory@example.com",
      to: ["ops@example.com"],
    },
    webhooks: { urls: [`${receiver.url}/ops`], secret: SECRET },
    timeoutMs: 5_000,
    maxAttempts: 2,
    backoffMs: 5,
  };
  recorder = createOpsEventRecorder(db);
  setOpsEventRecorder(recorder);
});
afterAll(async () => {
  setOpsEventRecorder(undefined);
  await smtp.stop();
  await receiver.stop();
  await db.destroy();
});
beforeEach(async () => {
  smtp.messages.length = 0;
  hooks = [];
  await db.pool.query(
    `TRUNCATE "OpsEventCount", "OpsAlertRuleState", "OpsAlert", "AlertDelivery", "InventoryHoldItem", "InventoryHold"`,
  );
});

const rule = (results: Awaited<ReturnType<typeof evaluateOpsAlertRules>>, name: string) =>
  results.find((r) => r.rule === name)!;
const store = () => createPrismaOpsAlertStore(db);

async function events(kind: "validation_failure" | "hold_commit_failure", count: number, at: Date) {
  for (let i = 0; i < count; i++) recorder.record(kind, { shopId: "shop-ops", at });
  await recorder.flush();
}

/** Holds that ended in the last hour: `expired` expired, the rest committed. */
async function endedHolds(total: number, expired: number, now: Date) {
  const at = new Date(now.getTime() - 60_000);
  await db.pool.query(
    `INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "committedAt", "expiredAt")
     SELECT 'h' || g, 'shop-ops', CASE WHEN g <= $2 THEN 'expired' ELSE 'committed' END, $1, $1, $1,
            CASE WHEN g <= $2 THEN NULL ELSE $1::timestamptz END, CASE WHEN g <= $2 THEN $1::timestamptz END
     FROM generate_series(1, $3) g`,
    [at, expired, total],
  );
}

describe("ops alert rules", () => {
  const now = new Date("2026-11-24T12:00:00.000Z");

  it("validation failures: 50 in a minute is quiet, 51 fires (warning) once per cooldown", async () => {
    await events("validation_failure", 50, new Date(now.getTime() - 30_000));
    await events("validation_failure", 20, new Date(now.getTime() - 61_000)); // outside the minute
    let results = await evaluateOpsAlertRules({ now, database: db, store: store(), channels });
    expect(rule(results, "validation_failures_high")).toMatchObject({ value: 50, firing: false, alerted: false });
    await events("validation_failure", 1, new Date(now.getTime() - 1_000));
    results = await evaluateOpsAlertRules({ now, database: db, store: store(), channels });
    expect(rule(results, "validation_failures_high")).toMatchObject({
      value: 51,
      firing: true,
      alerted: true,
      severity: "warning",
    });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.raw).toContain("validation_failures_high");
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.signed).toBe(true);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      type: "ops.alert",
      kind: "validation_failures_high",
      severity: "warning",
    });
    // Still firing a minute later: inside the 15-minute cooldown, nothing is sent.
    await events("validation_failure", 60, new Date(now.getTime() + 30_000));
    results = await evaluateOpsAlertRules({
      now: new Date(now.getTime() + 60_000),
      database: db,
      store: store(),
      channels,
    });
    expect(rule(results, "validation_failures_high")).toMatchObject({ firing: true, alerted: false, suppressed: true });
    expect(smtp.messages).toHaveLength(1);
    const { rows } = await db.pool.query(
      `SELECT kind, "deliveredAt" IS NOT NULL AS delivered, "deliveryError" FROM "OpsAlert"`,
    );
    expect(rows).toEqual([{ kind: "validation_failures_high", delivered: true, deliveryError: null }]);
    const logged = await db.pool.query(
      `SELECT channel, outcome FROM "AlertDelivery" WHERE source = 'ops' ORDER BY channel`,
    );
    expect(logged.rows).toEqual([
      { channel: "email", outcome: "sent" },
      { channel: "webhook", outcome: "sent" },
    ]);
  });

  it("commit failures: 5 in five minutes is quiet, 6 fires (critical)", async () => {
    await events("hold_commit_failure", 5, new Date(now.getTime() - 299_000));
    let results = await evaluateOpsAlertRules({ now, database: db, store: store(), channels });
    expect(rule(results, "hold_commit_failures")).toMatchObject({ value: 5, firing: false });
    await events("hold_commit_failure", 1, now);
    results = await evaluateOpsAlertRules({ now, database: db, store: store(), channels });
    expect(rule(results, "hold_commit_failures")).toMatchObject({
      value: 6,
      firing: true,
      alerted: true,
      severity: "critical",
    });
    expect(smtp.messages).toHaveLength(1);
  });

  it("expiry rate: 20% is quiet, above 20% fires (warning)", async () => {
    await endedHolds(50, 10, now);
    let results = await evaluateOpsAlertRules({ now, database: db, store: store(), channels });
    expect(rule(results, "hold_expiry_rate_high")).toMatchObject({ value: 0.2, sample: 50, firing: false });
    await db.pool.query(`TRUNCATE "InventoryHold" CASCADE`);
    await endedHolds(50, 11, now);
    results = await evaluateOpsAlertRules({ now, database: db, store: store(), channels });
    expect(rule(results, "hold_expiry_rate_high")).toMatchObject({
      value: 0.22,
      firing: true,
      alerted: true,
      severity: "warning",
    });
  });

  it("concurrent cron runs alert once", async () => {
    await events("hold_commit_failure", 6, now);
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => evaluateOpsAlertRules({ now, database: db, store: store(), channels })),
    );
    expect(runs.filter((results) => rule(results, "hold_commit_failures").alerted)).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    expect(hooks).toHaveLength(1);
  });

  it("the cron endpoint requires the cron secret, then evaluates the rules and drains the stock-alert outbox", async () => {
    // Two variants cross their thresholds (the trigger queues each crossing in the outbox) before the cron runs.
    const stock = createPrismaInventoryStore(db);
    const shopId = "shop-ops-cron";
    await stock.upsertItems(
      shopId,
      [
        { sku: "CRON-A", productId: "a", quantity: 10, lowStockThreshold: 5 },
        { sku: "CRON-B", productId: "b", quantity: 10, lowStockThreshold: 2 },
      ],
      { reason: "import", actor: "t" },
    );
    await stock.adjustQuantity({ shopId, sku: "CRON-A", variantKey: "", delta: -7, reason: "edit", actor: "t" });
    await stock.adjustQuantity({ shopId, sku: "CRON-B", variantKey: "", delta: -9, reason: "edit", actor: "t" });
    const pending = async () =>
      (
        await db.pool.query<{ sku: string; status: string }>(
          `SELECT sku, status FROM "StockAlertCrossing" WHERE "shopId" = $1 ORDER BY sku`,
          [shopId],
        )
      ).rows;
    expect(await pending()).toEqual([
      { sku: "CRON-A", status: "pending" },
      { sku: "CRON-B", status: "pending" },
    ]);

    const call = (authorization?: string, secret: string | undefined = "cron-secret") =>
      handleOpsAlertCron(
        new Request("http://cms/api/cron/ops-alerts", { headers: authorization ? { authorization } : {} }),
        {
          secret,
          now,
          database: db,
          store: store(),
          channels,
        },
      );
    expect((await call()).status).toBe(401);
    expect((await call("Bearer wrong")).status).toBe(401);
    expect(await pending()).toEqual([
      { sku: "CRON-A", status: "pending" },
      { sku: "CRON-B", status: "pending" },
    ]); // refused calls drained nothing
    expect(smtp.messages).toEqual([]);

    const ok = await call("Bearer cron-secret");
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { rules: Array<{ rule: string }>; stockAlerts: Record<string, number> };
    expect(body.rules.map((r) => r.rule)).toEqual([
      "hold_expiry_rate_high",
      "hold_commit_failures",
      "validation_failures_high",
      "hold_caps_share_high",
    ]);
    expect(body.stockAlerts).toEqual({ claimed: 2, sent: 2, failed: 0, suppressed: 0, noChannels: 0 });
    // Both alerts went out on both channels, signed, and the outbox is drained.
    const subjects = smtp.messages.map((mail) => /^Subject: (.*)$/m.exec(mail.raw)?.[1]).sort();
    expect(subjects).toEqual([
      `Low stock: a (CRON-A) has 3 left in ${shopId}`,
      `Low stock: b (CRON-B) has 1 left in ${shopId}`,
    ]);
    expect(hooks).toHaveLength(2);
    expect(hooks.every((hook) => hook.signed)).toBe(true);
    expect(
      hooks.map((hook) => (hook.body.includes("CRON-A") ? "A" : hook.body.includes("CRON-B") ? "B" : hook.body)).sort(),
    ).toEqual(["A", "B"]);
    expect(await pending()).toEqual([
      { sku: "CRON-A", status: "sent" },
      { sku: "CRON-B", status: "sent" },
    ]);

    // The next run finds the outbox empty and sends nothing again.
    const again = (await (await call("Bearer cron-secret")).json()) as { stockAlerts: Record<string, number> };
    expect(again.stockAlerts).toMatchObject({ claimed: 0, sent: 0 });
    expect(smtp.messages).toHaveLength(2);
  });

  it("sendOpsAlert records a failed delivery on the alert and never throws", async () => {
    const recorded = await sendOpsAlert(
      { severity: "critical", kind: "test_alert", message: "x" },
      {
        store: store(),
        deliver: "await",
        channels: { ...channels, email: undefined, webhooks: { urls: [`${receiver.url}/ops`] }, maxAttempts: 1 },
      },
    );
    expect(recorded).toBe(true);
    const { rows } = await db.pool.query(`SELECT "deliveredAt", "deliveryError" FROM "OpsAlert"`);
    expect(rows[0]).toMatchObject({
      deliveredAt: null,
      deliveryError: expect.stringContaining("ALERT_WEBHOOK_SECRET is not set") as unknown,
    });
    expect(hooks).toEqual([]);
  });
});

describe("alert webhook signatures", () => {
  it("verify only the exact body, secret and time window", () => {
    const at = new Date("2026-11-24T12:00:00Z");
    const header = signAlertWebhook('{"a":1}', "s3cret", at);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyAlertWebhookSignature({ body: '{"a":1}', header, secret: "s3cret", now: at })).toBe(true);
    expect(verifyAlertWebhookSignature({ body: '{"a":2}', header, secret: "s3cret", now: at })).toBe(false);
    expect(verifyAlertWebhookSignature({ body: '{"a":1}', header, secret: "other", now: at })).toBe(false);
    expect(
      verifyAlertWebhookSignature({ body: '{"a":1}', header, secret: "s3cret", now: new Date(at.getTime() + 301_000) }),
    ).toBe(false);
    expect(verifyAlertWebhookSignature({ body: '{"a":1}', header: "garbage", secret: "s3cret", now: at })).toBe(false);
  });
});

describe("metrics endpoint", () => {
  const get = (authorization?: string) =>
    new Request("http://cms/api/metrics", { headers: authorization ? { authorization } : {} });

  it("is disabled (503) without METRICS_TOKEN and refuses missing or wrong tokens (401)", async () => {
    const disabled = await handleMetricsRequest(get("Bearer x"), { token: "" });
    expect(disabled.status).toBe(503);
    expect(await disabled.json()).toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("METRICS_TOKEN is not set") as unknown,
    });
    expect((await handleMetricsRequest(get(), { token: "t0ken" })).status).toBe(401);
    expect((await handleMetricsRequest(get("Bearer t0ke"), { token: "t0ken" })).status).toBe(401);
  });

  it("exposes the counters and histograms, counted where the library does the work", async () => {
    const shopId = "shop-metrics";
    await createPrismaInventoryStore(db).upsertItems(shopId, [{ sku: "X", productId: "x", quantity: 1 }], {
      reason: "import",
      actor: "test",
    });
    const holds = createPrismaHoldStore(db, { batching: false });
    const stock = createPrismaInventoryStore(db);
    await createInventoryHold({ shopId, requests: [{ sku: "X", quantity: 1 }], store: holds, ttlSeconds: 60 });
    await validateInventoryAvailability(shopId, [{ sku: "X", quantity: 1 }], { store: stock, holds });
    await releaseExpiredHoldsForAllShops({ store: holds, now: new Date(Date.now() + 120_000) });
    await recorder.flush();

    const response = await handleMetricsRequest(get("Bearer t0ken"), { token: "t0ken" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    for (const name of [
      "inventory_hold_created",
      "inventory_hold_committed",
      "inventory_hold_released",
      "inventory_hold_expired",
      "inventory_validation_failure",
      "checkout_rejected_stock",
      "inventory_validation_duration_seconds_bucket",
      "inventory_hold_creation_duration_seconds_bucket",
      "stripe_webhook_duration_seconds_bucket",
      "inventory_reaper_run_duration_seconds_count",
      "inventory_reaper_runs",
    ]) {
      expect(text).toMatch(new RegExp(`^${name}[ {]`, "m"));
    }
    expect(text).toMatch(/^inventory_hold_created 1$/m);
    expect(text).toMatch(/^inventory_validation_failure 1$/m);
    expect(text).toMatch(/^inventory_hold_expired 1$/m);
    expect(text).toMatch(/^inventory_reaper_runs 1$/m);
    expect(text).not.toContain("process_cpu"); // our registry only
  });
});

describe("hold lifecycle series", () => {
  it("counts transitions and events per bucket from the database, with rates", async () => {
    const from = new Date("2026-11-24T10:00:00.000Z");
    const to = new Date("2026-11-24T12:00:00.000Z");
    const at = (minutes: number) => new Date(from.getTime() + minutes * 60_000);
    await db.pool.query(
      `INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "committedAt", "releasedAt", "expiredAt") VALUES
        ('l1', 'shop-a', 'committed', $1, $1, $1, $2, NULL, NULL),
        ('l2', 'shop-a', 'committed', $1, $1, $1, $2, NULL, NULL),
        ('l3', 'shop-a', 'committed', $1, $1, $1, $2, NULL, NULL),
        ('l4', 'shop-a', 'expired', $1, $1, $1, NULL, NULL, $2),
        ('l5', 'shop-a', 'released', $3, $3, $3, NULL, $4, NULL),
        ('l6', 'shop-b', 'active', $3, $3, $3, NULL, NULL, NULL),
        ('l7', 'shop-a', 'committed', $5, $5, $5, $5, NULL, NULL)`,
      [at(5), at(20), at(70), at(80), at(200)],
    );
    recorder.record("validation_failure", { shopId: "shop-a", at: at(10) });
    recorder.record("validation_failure", { shopId: "shop-b", at: at(10) });
    recorder.record("checkout_stock_rejection", { shopId: "shop-a", at: at(65) });
    recorder.record("hold_commit_failure", { shopId: "shop-a", at: at(66) });
    recorder.record("reaper_run", { value: 40, at: at(1) });
    recorder.record("reaper_run", { value: 20, at: at(2) });
    await recorder.flush();

    const series = await getHoldLifecycleSeries({ from, to, bucketSeconds: 3600, shopId: "shop-a", database: db });
    expect(series.buckets).toHaveLength(2);
    expect(series.buckets[0]).toMatchObject({
      start: from,
      end: at(60),
      created: 4,
      committed: 3,
      expired: 1,
      released: 0,
      commitRate: 0.75,
      expiryRate: 0.25,
      validationFailures: 1,
      checkoutStockRejections: 0,
      reaperRuns: 2,
      reaperTotalMs: 60,
      reaperMeanMs: 30,
    });
    expect(series.buckets[1]).toMatchObject({
      created: 1,
      released: 1,
      commitRate: 0,
      expiryRate: 0,
      checkoutStockRejections: 1,
      commitFailures: 1,
      reaperRuns: 0,
      reaperMeanMs: null,
    });
    expect(series.totals).toMatchObject({
      created: 5,
      committed: 3,
      released: 1,
      expired: 1,
      commitRate: 0.6,
      expiryRate: 0.2,
    });

    const all = await getHoldLifecycleSeries({
      from: from.toISOString(),
      to: to.toISOString(),
      bucketSeconds: 7200,
      database: db,
    });
    expect(all.buckets).toHaveLength(1);
    expect(all.totals).toMatchObject({ created: 6, validationFailures: 2 });

    // A list of shops adds exactly those shops (an operator's grants); reaper runs are global.
    const onlyB = await getHoldLifecycleSeries({ from, to, bucketSeconds: 7200, shopIds: ["shop-b"], database: db });
    expect(onlyB.totals).toMatchObject({
      created: 1,
      committed: 0,
      validationFailures: 1,
      checkoutStockRejections: 0,
      reaperRuns: 2,
    });
    const both = await getHoldLifecycleSeries({
      from,
      to,
      bucketSeconds: 7200,
      shopIds: ["shop-a", "shop-b"],
      database: db,
    });
    expect(both.totals).toMatchObject({ created: 6, committed: 3, validationFailures: 2, checkoutStockRejections: 1 });
  });

  it("refuses a bad range with field errors", async () => {
    const call = (query: Record<string, unknown>) =>
      getHoldLifecycleSeries({ database: db, ...query } as never).then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(await call({ from: "2026-11-24T12:00:00Z", to: "2026-11-24T10:00:00Z", bucketSeconds: 60 })).toMatchObject({
      code: "validation_failed",
      details: { errors: [{ field: "to", message: "must be after from" }] },
    });
    expect(await call({ from: "not a date", to: "2026-11-24T10:00:00Z", bucketSeconds: 60 })).toMatchObject({
      code: "validation_failed",
      details: { errors: [expect.objectContaining({ field: "from" })] },
    });
    expect(await call({ from: "2026-01-01T00:00:00Z", to: "2026-11-24T10:00:00Z", bucketSeconds: 60 })).toMatchObject({
      details: { errors: [expect.objectContaining({ field: "bucketSeconds" })] },
    });
    expect(await call({ from: "2026-11-24T09:00:00Z", to: "2026-11-24T10:00:00Z", bucketSeconds: 1.5 })).toMatchObject({
      details: { errors: [expect.objectContaining({ field: "bucketSeconds" })] },
    });
  });
});
