import { serveFetchHandler, startSmtpSink, type ServedFetchHandler, type SmtpSink } from "@acme/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertChannels } from "../src/alerts/alert-channels.ts";
import { ALERT_SIGNATURE_HEADER, verifyAlertWebhookSignature } from "../src/alerts/alert-webhook-signature.ts";
import { createPrismaOpsAlertStore } from "../src/alerts/ops-alert-store.ts";
import { CAPS_SHARE_MIN_SAMPLE, evaluateOpsAlertRules, OPS_ALERT_RULES } from "../src/alerts/ops-alert-rules.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { setShopHoldPolicy } from "../src/holds/shop-hold-policy.ts";
import type { HoldClient } from "../src/holds/types.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { getHoldCapPressure } from "../src/metrics/get-hold-cap-pressure.ts";
import { getHoldLifecycleSeries } from "../src/metrics/get-hold-lifecycle-series.ts";
import { handleMetricsRequest } from "../src/metrics/handle-metrics-request.ts";
import {
  createOpsEventRecorder,
  setOpsEventRecorder,
  type OpsEventKind,
  type OpsEventRecorder,
} from "../src/metrics/ops-events.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Denial of inventory (OWASP OAT-021) as operators see it: the cron rule on
// the share of client hold requests refused by a cap, shop by shop, and the
// database-backed figures (clients at a cap now, refusals in a window).

const SECRET = "whsec_caps_test";
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

const RULE = OPS_ALERT_RULES.holdCapsShare.name;
const evaluate = (now: Date) =>
  evaluateOpsAlertRules({ now, database: db, store: createPrismaOpsAlertStore(db), channels });
const capsResults = (results: Awaited<ReturnType<typeof evaluateOpsAlertRules>>) =>
  results.filter((r) => r.rule === RULE);
const forShop = (results: Awaited<ReturnType<typeof evaluateOpsAlertRules>>, shopId: string) =>
  capsResults(results).find((r) => r.shopId === shopId);

/** `count` events of a kind in a shop at one time, written before this returns. */
async function events(kind: OpsEventKind, shopId: string, count: number, at: Date) {
  for (let i = 0; i < count; i++) recorder.record(kind, { shopId, at });
  await recorder.flush();
}

/** `requests` client hold requests in a shop, `capped` of them refused by a cap, as createInventoryHold counts them. */
async function clientRequests(shopId: string, requests: number, capped: number, at: Date) {
  await events("client_hold_request", shopId, requests, at);
  await events("hold_refused_cap", shopId, capped, at);
}

describe("ops rule hold_caps_share_high", () => {
  const now = new Date("2026-12-01T12:00:00.000Z");
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  it("fires above 20% of at least 50 client requests in a shop and names the shop; 20% exactly, and purchase limits, do not", async () => {
    await clientRequests("shop-caps-a", 50, 11, ago(120));
    // Exactly 20% capped, plus refusals by purchase limit, which are no cap.
    await clientRequests("shop-caps-b", 50, 10, ago(60));
    await events("hold_refused_limit", "shop-caps-b", 30, ago(60));

    const results = await evaluate(now);
    expect(capsResults(results).map((r) => r.shopId)).toEqual(["shop-caps-a", "shop-caps-b"]);
    expect(forShop(results, "shop-caps-a")).toMatchObject({
      value: 0.22,
      sample: 50,
      threshold: 0.2,
      firing: true,
      alerted: true,
      severity: "warning",
    });
    expect(forShop(results, "shop-caps-b")).toMatchObject({ value: 0.2, sample: 50, firing: false, alerted: false });

    // One alert, for shop-caps-a, on both channels, with the shop in the subject, the message and the details.
    expect(smtp.messages).toHaveLength(1);
    expect(/^Subject: (.*)$/m.exec(smtp.messages[0]!.raw)?.[1]).toContain(
      "[warning] hold_caps_share_high: Shop shop-caps-a: 22.0% of the 50",
    );
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.signed).toBe(true);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      type: "ops.alert",
      kind: RULE,
      severity: "warning",
      details: { shopId: "shop-caps-a", value: 0.22, threshold: 0.2, windowSeconds: 300, sample: 50 },
    });
    const stored = await db.pool.query(`SELECT kind, message, details FROM "OpsAlert"`);
    expect(stored.rows).toEqual([
      {
        kind: RULE,
        message: expect.stringContaining("Shop shop-caps-a: 22.0%") as unknown,
        details: expect.objectContaining({ shopId: "shop-caps-a" }) as unknown,
      },
    ]);
    // The cooldown is the shop's own.
    const state = await db.pool.query(`SELECT rule, "lastValue" FROM "OpsAlertRuleState" WHERE rule LIKE 'hold_caps%'`);
    expect(state.rows).toEqual([{ rule: `${RULE}:shop-caps-a`, lastValue: 0.22 }]);
  });

  it(`is not judged on fewer than ${CAPS_SHARE_MIN_SAMPLE} client requests, nor on requests older than 5 minutes`, async () => {
    // 49 requests, every one capped; and 40 more, all capped, 5 minutes ago (out of the window).
    await clientRequests("shop-caps-small", 49, 49, ago(10));
    await clientRequests("shop-caps-small", 40, 40, ago(300));
    let results = await evaluate(now);
    expect(forShop(results, "shop-caps-small")).toMatchObject({ value: 1, sample: 49, firing: false, alerted: false });
    expect(smtp.messages).toEqual([]);
    expect(hooks).toEqual([]);

    // The 50th request (granted) makes the sample: 98% capped fires.
    await events("client_hold_request", "shop-caps-small", 1, ago(1));
    results = await evaluate(now);
    expect(forShop(results, "shop-caps-small")).toMatchObject({ value: 0.98, sample: 50, firing: true, alerted: true });
    expect(hooks).toHaveLength(1);
  });

  it("cools down 15 minutes per shop: a second shop alerts inside the first one's cooldown, concurrent runs alert once", async () => {
    await clientRequests("shop-caps-a", 100, 60, ago(30));
    const first = await Promise.all(Array.from({ length: 3 }, () => evaluate(now)));
    expect(first.filter((results) => forShop(results, "shop-caps-a")?.alerted)).toHaveLength(1);
    expect(hooks).toHaveLength(1);

    // A minute later shop-caps-a still fires (suppressed) and shop-caps-b starts: it alerts.
    const later = new Date(now.getTime() + 60_000);
    await clientRequests("shop-caps-a", 100, 60, now);
    await clientRequests("shop-caps-b", 60, 30, now);
    let results = await evaluate(later);
    expect(forShop(results, "shop-caps-a")).toMatchObject({ firing: true, alerted: false, suppressed: true });
    expect(forShop(results, "shop-caps-b")).toMatchObject({
      value: 0.5,
      firing: true,
      alerted: true,
      suppressed: false,
    });
    expect(hooks.map((hook) => (JSON.parse(hook.body) as { details: { shopId: string } }).details.shopId)).toEqual([
      "shop-caps-a",
      "shop-caps-b",
    ]);

    // 15 minutes after its alert, shop-caps-a alerts again.
    const afterCooldown = new Date(now.getTime() + OPS_ALERT_RULES.holdCapsShare.cooldownSeconds * 1000);
    await clientRequests("shop-caps-a", 100, 60, afterCooldown);
    results = await evaluate(afterCooldown);
    expect(forShop(results, "shop-caps-a")).toMatchObject({ firing: true, alerted: true });
    expect(hooks).toHaveLength(3);
  });

  it("answers once, without a shop, when no shop had client requests", async () => {
    const results = await evaluate(now);
    expect(capsResults(results)).toEqual([
      {
        rule: RULE,
        severity: "warning",
        value: 0,
        threshold: 0.2,
        firing: false,
        alerted: false,
        suppressed: false,
        sample: 0,
      },
    ]);
  });
});

describe("getHoldCapPressure and the metrics exposition", () => {
  const key = (n: number) => n.toString(16).padStart(32, "0");

  it("counts the clients at a cap now (not one below it, nor lapsed holds) and the refusals and client requests in the window", async () => {
    const shopId = "shop-pressure";
    const now = new Date("2026-12-01T15:00:00.000Z");
    const holds = createPrismaHoldStore(db, { batching: false });
    await createPrismaInventoryStore(db).upsertItems(
      shopId,
      [
        { sku: "P-1", productId: "p", quantity: 1000 },
        { sku: "P-LTD", productId: "ltd", quantity: 1000 },
      ],
      { reason: "import", actor: "test" },
    );
    await db.pool.query(`UPDATE "InventoryItem" SET "purchaseLimit" = 2 WHERE "shopId" = $1 AND sku = 'P-LTD'`, [
      shopId,
    ]);
    await setShopHoldPolicy({
      shopId,
      policy: { maxActiveHoldsPerClient: 2, maxHeldUnitsPerClient: 10, unopenedHoldSeconds: 300 },
      actor: "test",
      store: holds,
    });
    const hold = (client: HoldClient, quantity: number, at: Date, sku = "P-1") =>
      createInventoryHold({ shopId, requests: [{ sku, quantity }], client, ttlSeconds: 600, now: at, store: holds });
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => "granted",
        (error: { code?: string }) => error.code,
      );

    const atHoldCap = { address: key(1) };
    const belowCap = { address: key(2), buyer: key(20) };
    const atUnitCap = { buyer: key(3) };
    const lapsed = { address: key(4) };
    await hold(atHoldCap, 1, new Date(now.getTime() - 60_000));
    await hold(atHoldCap, 1, new Date(now.getTime() - 50_000));
    await hold(belowCap, 8, new Date(now.getTime() - 40_000)); // one hold, 8 units: below both caps
    await hold(atUnitCap, 10, new Date(now.getTime() - 30_000));
    await hold(lapsed, 1, new Date(now.getTime() - 1_200_000)); // at the cap 20 minutes ago; lapsed by now
    await hold(lapsed, 1, new Date(now.getTime() - 1_190_000));
    // Refused: a third hold (cap on holds), an 11th unit (cap on units), 3 of a variant limited to 2.
    expect(await refused(hold(atHoldCap, 1, new Date(now.getTime() - 20_000)))).toBe("rate_limited");
    expect(await refused(hold(atUnitCap, 1, new Date(now.getTime() - 10_000)))).toBe("rate_limited");
    expect(await refused(hold({ address: key(5) }, 3, new Date(now.getTime() - 5_000), "P-LTD"))).toBe(
      "purchase_limit_exceeded",
    );
    await recorder.flush();

    const pressure = await getHoldCapPressure({ shopId, now, database: db });
    expect(pressure).toEqual({
      shopId,
      from: new Date(now.getTime() - 300_000),
      to: now,
      windowSeconds: 300,
      clientsAtCap: 2,
      clientsAtHoldCap: 1,
      clientsAtUnitCap: 1,
      capRefusals: 2,
      limitRefusals: 1,
      // Nine requests named a client; the lapsed client's two were 20 minutes ago, out of the window.
      clientRequests: 7,
      capShare: 2 / 7,
    });
    // A longer window takes in the lapsed client's requests.
    expect(await getHoldCapPressure({ shopId, now, windowSeconds: 1_800, database: db })).toMatchObject({
      clientsAtCap: 2,
      clientRequests: 9,
      capRefusals: 2,
    });
    // The client below its caps is one hold from the cap on holds: its second hold (9 units) puts both its keys there.
    await hold(belowCap, 1, now);
    // Its client request is counted in the background: written before it is read.
    await recorder.flush();
    expect(await getHoldCapPressure({ shopId, now, database: db })).toMatchObject({
      clientsAtCap: 4,
      clientsAtHoldCap: 3,
      clientsAtUnitCap: 1,
      clientRequests: 8,
    });

    // The lifecycle series carries the same counts (the CMS dashboard's data).
    const series = await getHoldLifecycleSeries({
      from: new Date(now.getTime() - 3_600_000),
      to: new Date(now.getTime() + 60_000),
      bucketSeconds: 3660,
      shopId,
      database: db,
    });
    expect(series.totals).toMatchObject({ clientHoldRequests: 10, capRefusals: 2, limitRefusals: 1 });

    // The process's counters, with shop and reason labels.
    const text = await (
      await handleMetricsRequest(
        new Request("http://cms/api/metrics", { headers: { authorization: "Bearer t0ken" } }),
        { token: "t0ken" },
      )
    ).text();
    expect(text).toMatch(/^# TYPE inventory_hold_refused counter$/m);
    expect(text).toMatch(/^# TYPE inventory_client_hold_requests counter$/m);
    expect(text).toMatch(new RegExp(`^inventory_hold_refused\\{shop="${shopId}",reason="cap_holds"\\} 1$`, "m"));
    expect(text).toMatch(new RegExp(`^inventory_hold_refused\\{shop="${shopId}",reason="cap_units"\\} 1$`, "m"));
    expect(text).toMatch(new RegExp(`^inventory_hold_refused\\{shop="${shopId}",reason="purchase_limit"\\} 1$`, "m"));
    expect(text).toMatch(new RegExp(`^inventory_client_hold_requests\\{shop="${shopId}"\\} 10$`, "m"));
  });

  it("refuses a bad shop, window or time with field errors", async () => {
    const call = (options: Record<string, unknown>) =>
      getHoldCapPressure({ database: db, shopId: "shop-pressure", ...options }).then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(await call({ shopId: "Not A Shop" })).toMatchObject({
      code: "validation_failed",
      details: { errors: [expect.objectContaining({ field: "shopId" })] },
    });
    expect(await call({ windowSeconds: 59 })).toMatchObject({
      code: "validation_failed",
      details: { errors: [expect.objectContaining({ field: "windowSeconds" })] },
    });
    expect(await call({ windowSeconds: 1.5 })).toMatchObject({
      code: "validation_failed",
      details: { errors: [expect.objectContaining({ field: "windowSeconds" })] },
    });
    expect(await call({ now: new Date("nope") })).toMatchObject({
      code: "validation_failed",
      details: { errors: [{ field: "now", message: "must be a valid date" }] },
    });
  });
});
