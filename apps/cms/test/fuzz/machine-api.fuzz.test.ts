import { createHmac } from "node:crypto";
import {
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  MAX_QUANTITY,
} from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCmsForTest, type TestCms } from "../support/cms-test-server.ts";
import {
  expectRefusal,
  FuzzTally,
  garbageBody,
  hostileHeaders,
  hostileJson,
  hostileObject,
  hostileQuery,
  rawHttp,
  stateSnapshot,
} from "./fuzz-support.ts";

// Hostile input to the CMS's machine endpoints (built app, real PostgreSQL):
// the inventory authority, both crons, metrics and the Stripe webhook. With
// the right credentials every request reaches validation; malformed input
// gets a 4xx, never a 5xx, and nothing stored changes. Wrong credentials,
// however close to the right ones, get 401 (400 for webhook signatures).

const SHOP = "shop-a";
const RUNS = { validate: 150, validateAuth: 60, crons: 60, metrics: 40, unsignedWebhooks: 120, signedWebhooks: 120 };

let db: TestDatabase;
let cms: TestCms;
let holdId: string;
const tally = new FuzzTally();

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 3 });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 10 },
      { sku: "SOCK", productId: "sock", quantity: 7 },
    ],
    { reason: "import", actor: "test" },
  );
  ({ holdId } = await createInventoryHold({
    shopId: SHOP,
    requests: [{ sku: "TEE", variantKey: "size=m", quantity: 2 }],
    ttlSeconds: 3600,
    store: createPrismaHoldStore(db),
  }));
  cms = await startCmsForTest({ databaseUrl: db.url });
});

afterAll(async () => {
  tally.print("cms machine API");
  await cms?.stop();
  await db?.destroy();
});

async function call(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
  const response = await fetch(`${cms.url}${path}`, init);
  tally.add(`${init.method ?? "GET"} ${path.replace(/\?.*$/, "")}`, response.status);
  return response;
}

/** Values of Authorization (or a secret in it) that are wrong, however close. */
function nearMisses(secret: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      "",
      "Bearer",
      "Bearer ",
      `Bearer ${secret.slice(0, -1)}`,
      `Bearer ${secret}x`,
      `Bearer ${secret.slice(0, -1)}${secret.endsWith("a") ? "b" : "a"}`,
      `Bearer ${secret.toUpperCase()}`,
      `Basic ${Buffer.from(`user:${secret}`).toString("base64")}`,
      `Bearer ${secret},${secret}`,
      `Token ${secret}`,
      secret,
      `Bearer ${Buffer.from(secret).toString("base64")}`,
      `Bearer\t${secret.slice(1)}`,
    ),
    fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
    fc.string({ maxLength: 60 }).filter((s) => !/[\r\n\0]/.test(s)),
  );
}

/** Header values fetch accepts (no CR, LF or NUL; Latin-1 only). */
const headerSafe = (value: string) =>
  !/[\r\n\0]/.test(value) && [...value].every((c) => c.charCodeAt(0) <= 0xff) && value === value.trim();

describe("POST /api/inventory/validate (the authority)", () => {
  const validate = (body: string, headers: Record<string, string> = {}) =>
    call("/api/inventory/validate", {
      method: "POST",
      headers: { authorization: `Bearer ${cms.secrets.authority}`, "content-type": "application/json", ...headers },
      body,
    });

  it("hostile carts: 200/409 only for a well-formed cart, else 400 with field errors; never a write", async () => {
    const item = hostileObject({
      sku: fc.constantFrom('"TEE"', '"SOCK"', '"NOPE"', '" TEE "'),
      variantKey: fc.constantFrom('"size=m"', '""', '"size=M"', '"not canonical"'),
      variantAttributes: fc.constantFrom('{"size":"M"}', '{"Size":"m","size":"M"}', "{}", '{"size":5}'),
      quantity: fc.integer({ min: 1, max: 12 }).map(String),
    });
    const body = fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .tuple(fc.constantFrom('"shop-a"', '"SHOP-A"', '"shop-b"', '"../x"'), fc.array(item, { maxLength: 4 }))
          .map(([shop, items]) => `{"shopId":${shop},"items":[${items.join(",")}]}`),
      },
      { weight: 1, arbitrary: hostileObject({ shopId: fc.constant('"shop-a"'), items: fc.constant("[]") }) },
      { weight: 1, arbitrary: garbageBody },
    );
    const before = await stateSnapshot(db);
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: hostileHeaders }),
        async (text, headers) => {
          const response = await validate(text, headers);
          if (response.status === 200 || response.status === 409) {
            const sent = JSON.parse(text) as { items: Array<{ quantity: unknown }> };
            for (const line of sent.items) {
              expect(
                Number.isSafeInteger(line.quantity) &&
                  (line.quantity as number) >= 1 &&
                  (line.quantity as number) <= MAX_QUANTITY,
                `accepted ${text}`,
              ).toBe(true);
            }
            await response.body?.cancel();
          } else {
            await expectRefusal(response, [400, 413], `validate ${text.slice(0, 200)}`);
          }
        },
      ),
      { numRuns: RUNS.validate },
    );
    expect(await stateSnapshot(db)).toEqual(before);
  });

  it("quantities: whole numbers 1..MAX_QUANTITY are checked, anything else is a 400 naming the line's quantity", async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (raw) => {
        const value: unknown = JSON.parse(raw);
        const response = await validate(
          `{"shopId":"shop-a","items":[{"sku":"SOCK","variantKey":"","quantity":${raw}}]}`,
        );
        const valid = typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_QUANTITY;
        if (valid) {
          expect(response.status, raw).toBe(value <= 7 ? 200 : 409);
          await response.body?.cancel();
        } else {
          const body = await expectRefusal(response, [400, 413], `quantity ${raw}`);
          if (response.status === 400) expect(body.errors?.map((e) => e.field).join(" "), raw).toMatch(/quantity/);
        }
      }),
      {
        numRuns: RUNS.validate,
        examples: [
          ["-0"],
          ["0"],
          ["1e400"],
          ["9007199254740993"],
          ['"3"'],
          ["2.5"],
          ["1e3"],
          [String(MAX_QUANTITY + 1)],
        ],
      },
    );
  });

  it("wrong bearer tokens, however close, get 401", async () => {
    const before = await stateSnapshot(db);
    await fc.assert(
      fc.asyncProperty(nearMisses(cms.secrets.authority).filter(headerSafe), async (authorization) => {
        const response = await call("/api/inventory/validate", {
          method: "POST",
          headers: { authorization },
          body: '{"shopId":"shop-a","items":[{"sku":"TEE","quantity":1}]}',
        });
        await expectRefusal(response, [401], `authorization ${JSON.stringify(authorization)}`);
      }),
      { numRuns: RUNS.validateAuth },
    );
    expect(await stateSnapshot(db)).toEqual(before);
  });

  it("bodies over 64 KiB get 413, by declared and by streamed length", async () => {
    const big = `{"shopId":"shop-a","items":[${Array.from({ length: 2000 }, () => '{"sku":"TEE","variantKey":"size=m","quantity":1}').join(",")}]}`;
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect((await expectRefusal(await validate(big), [413], "64 KiB")).code).toBe("payload_too_large");
    const host = new URL(cms.url).host;
    const chunked = await rawHttp(
      cms.url,
      `POST /api/inventory/validate HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${cms.secrets.authority}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    tally.add("POST /api/inventory/validate", chunked.status);
    expect(chunked.status).toBe(413);
  });
});

describe("crons and metrics", () => {
  const endpoints = () => [
    { path: "/api/cron/release-expired-holds", secret: cms.secrets.cron },
    { path: "/api/cron/ops-alerts", secret: cms.secrets.cron },
    { path: "/api/metrics", secret: cms.secrets.metrics },
  ];

  it("wrong bearer tokens, however close, and hostile queries get 401 and change nothing", async () => {
    const before = await stateSnapshot(db);
    for (const { path, secret } of endpoints()) {
      await fc.assert(
        fc.asyncProperty(
          nearMisses(secret).filter(headerSafe),
          hostileQuery({ now: fc.constant("2030-01-01"), shop: fc.constant(SHOP) }),
          async (authorization, query) => {
            const response = await call(`${path}?${query}`, { headers: { authorization } });
            await expectRefusal(response, [401], `${path} with ${JSON.stringify(authorization)}`);
          },
        ),
        { numRuns: path === "/api/metrics" ? RUNS.metrics : RUNS.crons },
      );
    }
    expect(await stateSnapshot(db)).toEqual(before);
  });

  it("with the right token, hostile queries and bodies are ignored: 200, and the live hold is not reaped", async () => {
    const before = await stateSnapshot(db);
    for (const { path, secret } of endpoints()) {
      await fc.assert(
        fc.asyncProperty(
          hostileQuery({
            now: fc.constantFrom("2099-01-01T00:00:00Z", "0"),
            shop: fc.constant(SHOP),
            force: fc.constant("1"),
          }),
          fc.constantFrom("GET", "POST", "PUT"),
          async (query, method) => {
            const response = await call(`${path}?${query}`, {
              method,
              headers: { authorization: `Bearer ${secret}` },
              ...(method === "GET" ? {} : { body: "{}" }),
            });
            if (method === "GET") {
              expect(response.status, `${path}?${query}`).toBe(200);
              await response.body?.cancel();
            } else await expectRefusal(response, [405], `${method} ${path}`);
          },
        ),
        { numRuns: 20 },
      );
    }
    // A query saying "now is 2099" must not make the reaper release a live hold.
    const { rows } = await db.pool.query<{ status: string }>(`SELECT status FROM "InventoryHold" WHERE id = $1`, [
      holdId,
    ]);
    expect(rows[0]?.status).toBe("active");
    expect(await stateSnapshot(db)).toEqual(before);
  });
});

describe("POST /api/stripe/webhook", () => {
  const sign = (payload: string, timestamp = Math.floor(Date.now() / 1000), secret = cms.secrets.webhook) =>
    `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex")}`;
  const post = (body: string, signature: string | undefined) =>
    call("/api/stripe/webhook", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature === undefined ? {} : { "stripe-signature": signature }),
      },
      body,
    });

  const event = (fields: { type: string; metadata: string; paymentStatus: string; id: string; data?: string }) =>
    fields.data
      ? `{"id":${fields.id},"object":"event","type":${fields.type},"data":${fields.data}}`
      : `{"id":${fields.id},"object":"event","type":${fields.type},"created":${Math.floor(Date.now() / 1000)},"data":{"object":{"id":"cs_fuzz","object":"checkout.session","payment_status":${fields.paymentStatus},"metadata":${fields.metadata}}}}`;
  const eventArb = fc.record({
    id: fc.oneof(
      { weight: 4, arbitrary: fc.uuid().map((u) => JSON.stringify(`evt_${u}`)) },
      { weight: 1, arbitrary: hostileJson },
    ),
    type: fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .constantFrom(
            "checkout.session.completed",
            "checkout.session.expired",
            "checkout.session.async_payment_succeeded",
            "checkout.session.async_payment_failed",
            "charge.refunded",
          )
          .map((t) => JSON.stringify(t)),
      },
      { weight: 1, arbitrary: hostileJson },
    ),
    paymentStatus: fc.oneof(fc.constantFrom('"paid"', '"unpaid"', '"no_payment_required"'), hostileJson),
    // Hostile metadata, never naming the real hold: a signed event is Stripe's word, so only unknown holds are fuzzed.
    metadata: fc.oneof(
      hostileObject({
        shop_id: fc.constantFrom('"shop-a"', '"shop-b"', '"SHOP-A"'),
        inventory_reservation_id: fc.oneof(
          fc.uuid().map((u) => JSON.stringify(u)),
          fc.constantFrom('""', JSON.stringify("x".repeat(300)), '"\\u0000"'),
        ),
      }),
      hostileJson,
    ),
    data: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostileJson }),
  });

  it("unsigned, mis-signed and garbage deliveries get 400 and change nothing", async () => {
    const signature = (body: string) =>
      fc.oneof(
        fc.constant(undefined),
        fc.constantFrom(
          "",
          "t=",
          "v1=",
          "t=abc,v1=def",
          "t=1,v1=00",
          `t=${Math.floor(Date.now() / 1000)}`,
          "garbage",
          ",,,",
          "t=99999999999999999999,v1=aa",
        ),
        fc.constant(sign(body, undefined, "whsec_wrong")),
        fc.constant(sign(`${body} `)), // signed a different body
        fc.constant(sign(body).replace(/v1=([0-9a-f])/, (_, c: string) => `v1=${c === "0" ? "1" : "0"}`)), // one hex digit off
        fc.constant(sign(body).replace("v1=", "v0=")), // only the legacy scheme
        fc.constant(sign(body, Math.floor(Date.now() / 1000) - 3600)), // an hour old
        fc.string({ maxLength: 80 }).filter(headerSafe),
      );
    const body = fc.oneof(eventArb.map(event), garbageBody);
    const before = await stateSnapshot(db);
    await fc.assert(
      fc.asyncProperty(
        body.chain((b) => signature(b).map((s) => [b, s] as const)),
        async ([text, sig]) => {
          const response = await post(text, sig);
          await expectRefusal(response, [400], `webhook ${String(sig).slice(0, 40)} ${text.slice(0, 80)}`);
        },
      ),
      { numRuns: RUNS.unsignedWebhooks },
    );
    expect(await stateSnapshot(db)).toEqual(before);
  });

  it("correctly signed hostile events for unknown holds get 200 or a 4xx, never a 5xx, and move no stock", async () => {
    const stock = async () => {
      const snapshot = await stateSnapshot(db);
      return {
        items: snapshot.InventoryItem,
        ledger: snapshot.StockLedgerEntry,
        holds: snapshot.InventoryHold,
        lines: snapshot.InventoryHoldItem,
        oversold: snapshot.OversoldSale,
      };
    };
    const before = await stock();
    await fc.assert(
      fc.asyncProperty(eventArb, async (fields) => {
        const text = event(fields);
        const response = await post(text, sign(text));
        const answer = await response.text();
        expect(response.status, `signed ${text.slice(0, 300)} answered ${response.status}: ${answer}`).toBeLessThan(
          500,
        );
      }),
      {
        numRuns: RUNS.signedWebhooks,
        // Regression: a signed body without `data.object` crashed the handler (500, retried by Stripe for days); now
        // 400.
        // Regressions: a hold id or event id with a NUL made PostgreSQL refuse the query (500); now a hold not found
        // (200) or a 400.
        examples: [
          [
            {
              id: '"evt_no_object"',
              type: '"checkout.session.completed"',
              paymentStatus: '"paid"',
              metadata: "{}",
              data: "0",
            },
          ],
          [
            {
              id: '"evt_nul_hold"',
              type: '"checkout.session.completed"',
              paymentStatus: '"paid"',
              metadata: '{"shop_id":"shop-a","inventory_reservation_id":"\\u0000"}',
              data: undefined,
            },
          ],
          [
            {
              id: '"\\u0000"',
              type: '"checkout.session.completed"',
              paymentStatus: '"paid"',
              metadata: '{"shop_id":"shop-a","inventory_reservation_id":"h"}',
              data: undefined,
            },
          ],
          [
            {
              id: '"evt_nul_hold_expired"',
              type: '"checkout.session.expired"',
              paymentStatus: '"unpaid"',
              metadata: '{"shop_id":"shop-a","inventory_reservation_id":"a\\u0000b"}',
              data: undefined,
            },
          ],
        ],
      },
    );
    expect(await stock()).toEqual(before);
  });

  it("bodies over 1 MiB get 413", async () => {
    const text = `{"id":"evt_big","type":"x","data":{"object":{"pad":"${"x".repeat(1024 * 1024)}"}}}`;
    expect((await expectRefusal(await post(text, sign(text)), [413], "1 MiB webhook")).code).toBe("payload_too_large");
    // No declared length and a body that never ends (2 MiB sent, no last chunk): refused once past the limit,
    // not read until the sender stops.
    const chunk = "x".repeat(64 * 1024);
    const host = new URL(cms.url).host;
    const endless = await rawHttp(
      cms.url,
      `POST /api/stripe/webhook HTTP/1.1\r\nHost: ${host}\r\nStripe-Signature: t=1,v1=00\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      Array.from({ length: 32 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join(""),
    );
    tally.add("POST /api/stripe/webhook", endless.status);
    expect(endless.status).toBe(413);
  });
});
