import { freePort, serveFetchHandler, startSmtpSink, type ServedFetchHandler, type SmtpSink } from "@acme/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setAlertChannels, type AlertChannels } from "../src/alerts/alert-channels.ts";
import { ALERT_SIGNATURE_HEADER, verifyAlertWebhookSignature } from "../src/alerts/alert-webhook-signature.ts";
import { deliverPendingStockAlerts, flushStockAlerts } from "../src/alerts/stock-alerts.ts";
import { createDatabase, type Database } from "../src/db/prisma-client.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SECRET = "whsec_alerts_test";
const HOUR = 3600 * 1000;

let db: TestDatabase;
let other: Database;
let smtp: SmtpSink;
let receiver: ServedFetchHandler;
let hooks: Array<{ body: string; signed: boolean; alertId: string | null }>;
let hookStatus: number;

function channels(overrides: Partial<AlertChannels> = {}, port = smtp.port): AlertChannels {
  return {
    email: {
      transport: { host: "127.0.0.1", port, secure: false, ignoreTLS: true },
      from: "inventory@example.com",
      to: ["ops@example.com"],
    },
    webhooks: { urls: [`${receiver.url}/hook?token=not-logged`], secret: SECRET },
    timeoutMs: 5_000,
    maxAttempts: 2,
    backoffMs: 5,
    ...overrides,
  };
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 6 });
  // A second, independent pool on the same database: another process's connections.
  other = createDatabase({ url: db.url, poolSize: 6 });
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
      alertId: request.headers.get("x-acme-alert-id"),
    });
    return new Response(null, { status: hookStatus });
  });
});

afterAll(async () => {
  setAlertChannels(undefined);
  await flushStockAlerts();
  await other.close();
  await smtp.stop();
  await receiver.stop();
  await db.destroy();
});

beforeEach(() => {
  smtp.messages.length = 0;
  hooks = [];
  hookStatus = 204;
  setAlertChannels(channels());
});
afterEach(() => flushStockAlerts());

async function seed(shopId: string, sku: string, quantity: number, lowStockThreshold: number | null) {
  await createPrismaInventoryStore(db).upsertItems(shopId, [{ sku, productId: sku, quantity, lowStockThreshold }], {
    reason: "import",
    actor: "test",
  });
  await flushStockAlerts();
}

/** Quoted-printable text (RFC 2045) as the UTF-8 it encodes. */
function fromQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** The subject (RFC 2047 encoded words joined) and the quoted-printable body of a received message. */
function readMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const subject = (/^Subject: (.*)$/m.exec(headers)?.[1] ?? "")
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/g, (_, word: string) => fromQuotedPrintable(word.replaceAll("_", " ")));
  return { subject, text: fromQuotedPrintable(raw.slice(split + 4)) };
}

async function crossings(shopId: string) {
  const { rows } = await db.pool.query<{ status: string; available: number }>(
    `SELECT status, available FROM "StockAlertCrossing" WHERE "shopId" = $1 ORDER BY id`,
    [shopId],
  );
  return rows;
}

async function deliveries(sourceIds: string[]) {
  const { rows } = await db.pool.query<{
    channel: string;
    outcome: string;
    attempt: number;
    error: string | null;
    target: string;
  }>(
    `SELECT channel, outcome, attempt, error, target FROM "AlertDelivery" WHERE source = 'stock' AND "sourceId" = ANY($1) ORDER BY channel, attempt`,
    [sourceIds],
  );
  return rows;
}

describe("low-stock alerts", () => {
  it("two processes crossing the threshold at once send exactly one email and one signed webhook", async () => {
    const shopId = "alerts-race";
    await seed(shopId, "TEE", 20, 10);
    const a = createPrismaHoldStore(db, { batching: false });
    const b = createPrismaHoldStore(other, { batching: false });
    const now = new Date();
    // 12 one-unit holds from two pools at once: available goes 20 -> 8; exactly one of them crosses 11 -> 10.
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        createInventoryHold({ shopId, requests: [{ sku: "TEE", quantity: 1 }], now, store: index % 2 === 0 ? a : b }),
      ),
    );
    await flushStockAlerts();

    expect(await crossings(shopId)).toEqual([{ status: "sent", available: 10 }]);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(["ops@example.com"]);
    expect(smtp.messages[0]!.raw).toContain("Low stock: TEE (TEE) has 10 left in alerts-race");
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.signed).toBe(true);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      type: "stock.low",
      shopId,
      sku: "TEE",
      variantKey: "",
      available: 10,
      threshold: 10,
    });
    const state = await db.pool.query(`SELECT "lastAvailable" FROM "StockAlertState" WHERE "shopId" = $1`, [shopId]);
    expect(state.rows).toEqual([{ lastAvailable: 10 }]);
  });

  it("names each location's available units, which are low and which do not sell online, in email and webhook", async () => {
    const shopId = "alerts-locations";
    const locations = createPrismaLocationStore(db);
    // soho (priority 50) comes before main (100); reserve does not fulfil online orders.
    await locations.createLocation({
      shopId,
      code: "soho",
      name: "Soho store",
      kind: "store",
      priority: 50,
      actor: "t",
    });
    await locations.createLocation({ shopId, code: "reserve", name: "Back room", fulfilsOnline: false, actor: "t" });
    const tee = { sku: "TEE", productId: "tee", productTitle: "Linen tee", variantAttributes: { size: "M" } };
    await createPrismaInventoryStore(db).upsertItems(
      shopId,
      [
        { ...tee, quantity: 6, lowStockThreshold: 5 },
        { ...tee, quantity: 2, location: "soho" },
        { ...tee, quantity: 20, location: "reserve" },
      ],
      { reason: "import", actor: "test" },
    );
    await flushStockAlerts();
    expect(await crossings(shopId)).toEqual([]);
    // Online 8 -> 5: crosses. Fewest locations first: main alone has the 3 units, so they are held there.
    await createInventoryHold({
      shopId,
      requests: [{ sku: "TEE", variantKey: "size=m", quantity: 3 }],
      store: createPrismaHoldStore(db, { batching: false }),
    });
    await flushStockAlerts();
    expect(await crossings(shopId)).toEqual([{ status: "sent", available: 5 }]);

    expect(hooks).toHaveLength(1);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      type: "stock.low",
      shopId,
      sku: "TEE",
      variantKey: "size=m",
      available: 5,
      threshold: 5,
      locations: [
        { code: "soho", name: "Soho store", available: 2, low: true, online: true },
        { code: "main", name: "Main warehouse", available: 3, low: true, online: true },
        { code: "reserve", name: "Back room", available: 20, low: false, online: false },
      ],
    });
    expect(smtp.messages).toHaveLength(1);
    const mail = readMail(smtp.messages[0]!.raw);
    expect(mail.subject).toBe(
      "Low stock: Linen tee — M (TEE) has 5 left in alerts-locations (low at Soho store, Main warehouse)",
    );
    expect(mail.text).toContain(
      [
        "Available by location now:",
        "- Soho store (soho): 2, at or below 5",
        "- Main warehouse (main): 3, at or below 5",
        "- Back room (reserve): 20 (does not sell online)",
      ].join("\r\n"),
    );
  });

  it("two crossings of one variant drained by two processes at once send once (the cooldown is claimed in the database)", async () => {
    const shopId = "alerts-claim";
    await seed(shopId, "CAP", 5, 2);
    // No channels while crossing: the crossings wait in the outbox.
    setAlertChannels({ webhooks: { urls: [] }, timeoutMs: 1000, maxAttempts: 1, backoffMs: 1 });
    const holds = createPrismaHoldStore(db, { batching: false });
    const t0 = new Date();
    const first = await createInventoryHold({ shopId, requests: [{ sku: "CAP", quantity: 3 }], now: t0, store: holds });
    await releaseInventoryHold({ shopId, holdId: first.holdId, store: holds, now: t0 });
    await createInventoryHold({
      shopId,
      requests: [{ sku: "CAP", quantity: 4 }],
      now: new Date(t0.getTime() + 60_000),
      store: holds,
    });
    await flushStockAlerts();
    expect(await crossings(shopId)).toEqual([
      { status: "pending", available: 2 },
      { status: "pending", available: 1 },
    ]);

    const live = channels();
    const results = await Promise.all([
      deliverPendingStockAlerts({ database: db, channels: live, limit: 1 }),
      deliverPendingStockAlerts({ database: other, channels: live, limit: 1 }),
    ]);
    expect(results.map((r) => r.claimed)).toEqual([1, 1]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.suppressed, 0)).toBe(1);
    expect(smtp.messages).toHaveLength(1);
    expect(hooks).toHaveLength(1);
    expect((await crossings(shopId)).map((c) => c.status).sort()).toEqual(["sent", "suppressed"]);
  });

  it("does not alert again within 24 hours of the last alert, and does after", async () => {
    const shopId = "alerts-cooldown";
    await seed(shopId, "MUG", 10, 5);
    const holds = createPrismaHoldStore(db, { batching: false });
    const t0 = new Date();
    const cross = async (at: Date) => {
      const hold = await createInventoryHold({
        shopId,
        requests: [{ sku: "MUG", quantity: 6 }],
        now: at,
        store: holds,
      });
      await flushStockAlerts();
      await releaseInventoryHold({ shopId, holdId: hold.holdId, store: holds, now: at });
    };
    await cross(t0);
    await cross(new Date(t0.getTime() + HOUR));
    await cross(new Date(t0.getTime() + 23 * HOUR + 59 * 60_000));
    expect(smtp.messages).toHaveLength(1);
    expect(hooks).toHaveLength(1);
    await cross(new Date(t0.getTime() + 24 * HOUR));
    expect(smtp.messages).toHaveLength(2);
    expect(hooks).toHaveLength(2);
    expect((await crossings(shopId)).map((c) => c.status)).toEqual(["sent", "suppressed", "suppressed", "sent"]);
  });

  it("writes that stay low, or never reach the threshold, raise nothing", async () => {
    const shopId = "alerts-no-crossing";
    await seed(shopId, "SOCK", 10, 3);
    await seed(shopId, "NONE", 10, null);
    const holds = createPrismaHoldStore(db, { batching: false });
    await createInventoryHold({
      shopId,
      requests: [
        { sku: "SOCK", quantity: 6 },
        { sku: "NONE", quantity: 10 },
      ],
      store: holds,
    });
    await flushStockAlerts();
    expect(await crossings(shopId)).toEqual([]);
    await createInventoryHold({ shopId, requests: [{ sku: "SOCK", quantity: 1 }], store: holds }); // 4 -> 3: crosses
    await createInventoryHold({ shopId, requests: [{ sku: "SOCK", quantity: 1 }], store: holds }); // 3 -> 2: already low
    await flushStockAlerts();
    expect(await crossings(shopId)).toEqual([{ status: "sent", available: 3 }]);
    expect(smtp.messages).toHaveLength(1);
  });

  it("detects crossings from batched holds, operator edits and threshold changes", async () => {
    const shopId = "alerts-paths";
    await seed(shopId, "A", 30, 10);
    await seed(shopId, "B", 30, 10);
    await seed(shopId, "C", 30, 10);
    const batched = createPrismaHoldStore(db);
    await Promise.all(
      Array.from({ length: 25 }, () =>
        createInventoryHold({ shopId, requests: [{ sku: "A", quantity: 1 }], store: batched }),
      ),
    );
    const stock = createPrismaInventoryStore(db);
    await stock.adjustQuantity({ shopId, sku: "B", variantKey: "", delta: -20, reason: "correction", actor: "test" });
    await stock.updateItem({ shopId, sku: "C", variantKey: "", lowStockThreshold: 30, actor: "test" });
    await flushStockAlerts();
    const { rows } = await db.pool.query<{ sku: string; available: number; threshold: number; status: string }>(
      `SELECT sku, available, threshold, status FROM "StockAlertCrossing" WHERE "shopId" = $1 ORDER BY sku`,
      [shopId],
    );
    // A batch reserves its requests in one UPDATE, so it may cross from above 10 to below it in one step.
    expect(rows[0]!.available).toBeLessThanOrEqual(10);
    expect(rows).toEqual([
      { sku: "A", available: rows[0]!.available, threshold: 10, status: "sent" },
      { sku: "B", available: 10, threshold: 10, status: "sent" },
      { sku: "C", available: 30, threshold: 30, status: "sent" },
    ]);
    expect(smtp.messages).toHaveLength(3);
    expect(hooks.every((hook) => hook.signed)).toBe(true);
  });

  it("a mail server that refuses leaves the stock change committed and records the failure", async () => {
    const shopId = "alerts-smtp-refuses";
    await seed(shopId, "BAG", 4, 2);
    const refusing = await startSmtpSink({ reject: true });
    try {
      setAlertChannels(channels({ webhooks: { urls: [], secret: SECRET } }, refusing.port));
      const holds = createPrismaHoldStore(db, { batching: false });
      const hold = await createInventoryHold({ shopId, requests: [{ sku: "BAG", quantity: 2 }], store: holds });
      await flushStockAlerts();
      expect(await holds.getHold({ shopId, holdId: hold.holdId, now: new Date() })).toMatchObject({ status: "active" });
      const item = await createPrismaInventoryStore(db).getItem(shopId, { sku: "BAG", variantKey: "" });
      expect(item).toMatchObject({ quantity: 4, reserved: 2, available: 2 });
      const [crossing] = await db.pool
        .query<{ id: string; status: string }>(
          `SELECT id::text, status FROM "StockAlertCrossing" WHERE "shopId" = $1`,
          [shopId],
        )
        .then((r) => r.rows);
      expect(crossing?.status).toBe("failed");
      const attempts = await deliveries([crossing!.id]);
      // 550 is permanent: one attempt, no retry.
      expect(attempts).toEqual([
        {
          channel: "email",
          outcome: "failed",
          attempt: 1,
          error: expect.stringContaining("550") as unknown,
          target: "ops@example.com",
        },
      ]);
      expect(refusing.messages).toEqual([]);
    } finally {
      await refusing.stop();
    }
  });

  it("an unreachable mail server and a failing webhook are retried a bounded number of times, then recorded as failed", async () => {
    const shopId = "alerts-unreachable";
    await seed(shopId, "HAT", 4, 2);
    hookStatus = 503;
    setAlertChannels(channels({ maxAttempts: 3 }, await freePort()));
    const holds = createPrismaHoldStore(db, { batching: false });
    await createInventoryHold({ shopId, requests: [{ sku: "HAT", quantity: 3 }], store: holds });
    await flushStockAlerts();
    const item = await createPrismaInventoryStore(db).getItem(shopId, { sku: "HAT", variantKey: "" });
    expect(item).toMatchObject({ reserved: 3 });
    const [crossing] = await db.pool
      .query<{ id: string; status: string }>(`SELECT id::text, status FROM "StockAlertCrossing" WHERE "shopId" = $1`, [
        shopId,
      ])
      .then((r) => r.rows);
    expect(crossing?.status).toBe("failed");
    const attempts = await deliveries([crossing!.id]);
    expect(attempts.map((a) => [a.channel, a.attempt, a.outcome])).toEqual([
      ["email", 1, "failed"],
      ["email", 2, "failed"],
      ["email", 3, "failed"],
      ["webhook", 1, "failed"],
      ["webhook", 2, "failed"],
      ["webhook", 3, "failed"],
    ]);
    expect(attempts.find((a) => a.channel === "webhook")).toMatchObject({
      error: "HTTP 503",
      target: `${receiver.url}/hook`,
    });
    expect(hooks).toHaveLength(3);
  });
});
