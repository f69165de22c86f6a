import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InventoryAuthorityClient } from "../src/authority/inventory-authority-client.ts";
import { handleInventoryAuthorityRequest } from "../src/authority/handle-inventory-authority-request.ts";
import { createDatabase } from "../src/db/prisma-client.ts";
import { handleHealthRequest } from "../src/health/handle-health-request.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaSessionRequestStore } from "../src/checkout/session-request-store.ts";
import { handleReaperCron } from "../src/holds/handle-reaper-cron.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { requireBearer, secretsEqual } from "../src/http/bearer-auth.ts";
import { readBytes, readJsonBody } from "../src/http/read-json-body.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { freePort, serveFetchHandler } from "@acme/testkit";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const TOKEN = "authority-token-0123456789";
const SHOP = "shop-http";
let db: TestDatabase;
const store = () => createPrismaInventoryStore(db);
const holds = () => createPrismaHoldStore(db);

beforeAll(async () => {
  db = await createTestDatabase();
  await store().upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 3 },
      { sku: "CAP", productId: "cap", quantity: 1 },
    ],
    { reason: "import", actor: "test" },
  );
});
afterAll(async () => {
  await db?.destroy();
});

const authority = (init: { body?: unknown; raw?: string; token?: string | null; method?: string }) =>
  handleInventoryAuthorityRequest(
    new Request("http://cms.test/api/inventory/validate", {
      method: init.method ?? "POST",
      headers: {
        "content-type": "application/json",
        ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? TOKEN}` }),
      },
      ...(init.method === "GET" ? {} : { body: init.raw ?? JSON.stringify(init.body) }),
    }),
    { token: TOKEN, store: store(), holds: holds() },
  );

describe("inventory authority endpoint", () => {
  it("answers 200 when available and 409 with the short items otherwise", async () => {
    const ok = await authority({
      body: { shopId: SHOP, items: [{ sku: "TEE", variantAttributes: { size: "m" }, quantity: 3 }] },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });

    const short = await authority({
      body: {
        shopId: SHOP,
        items: [
          { sku: "TEE", variantKey: "size=m", quantity: 4 },
          { sku: "CAP", quantity: 1 },
        ],
      },
    });
    expect(short.status).toBe(409);
    expect(await short.json()).toMatchObject({
      code: "inventory_insufficient",
      items: [{ sku: "TEE", variantKey: "size=m", requested: 4, available: 3 }],
    });
  });

  it("counts live holds, and the client reads both answers", async () => {
    await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "CAP", quantity: 1 }],
      ttlSeconds: 600,
      store: holds(),
    });
    const served = await serveFetchHandler((request) =>
      handleInventoryAuthorityRequest(request, { token: TOKEN, store: store(), holds: holds() }),
    );
    try {
      const client = new InventoryAuthorityClient({
        baseUrl: `${served.url}/api/inventory`,
        shopId: SHOP,
        token: TOKEN,
      });
      expect(await client.validate([{ sku: "TEE", variantAttributes: { size: "M" }, quantity: 1 }])).toEqual({
        ok: true,
      });
      expect(await client.validate([{ sku: "CAP", quantity: 1 }])).toEqual({
        ok: false,
        insufficient: [{ sku: "CAP", variantKey: "", requested: 1, available: 0 }],
      });
      const wrongToken = new InventoryAuthorityClient({
        baseUrl: `${served.url}/api/inventory`,
        shopId: SHOP,
        token: "wrong",
        attempts: 1,
      });
      await expect(wrongToken.validate([{ sku: "CAP", quantity: 1 }])).rejects.toMatchObject({ code: "unavailable" });
    } finally {
      await served.stop();
    }
  });

  it("refuses a missing or wrong token with 401 and a wrong method with 405", async () => {
    expect((await authority({ body: { shopId: SHOP, items: [] }, token: null })).status).toBe(401);
    expect((await authority({ body: { shopId: SHOP, items: [] }, token: "authority-token-0123456788" })).status).toBe(
      401,
    );
    expect((await authority({ method: "GET" })).status).toBe(405);
  });

  it("answers 400 with field errors for malformed bodies and 413 for oversized ones", async () => {
    const cases: Array<[unknown, string]> = [
      [{ items: [{ sku: "TEE", quantity: 1 }] }, "shopId"],
      [{ shopId: SHOP }, "items"],
      [{ shopId: SHOP, items: [] }, "items"],
      [{ shopId: SHOP, items: [{ sku: "TEE", quantity: 0 }] }, "items.0.quantity"],
      [{ shopId: SHOP, items: [{ sku: "", quantity: 1 }] }, "items.0.sku"],
      [{ shopId: SHOP, items: [{ sku: "TEE", quantity: 1.5 }] }, "items.0.quantity"],
    ];
    for (const [body, field] of cases) {
      const response = await authority({ body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      const json = (await response.json()) as { code: string; errors: Array<{ field: string }> };
      expect(json.code).toBe("validation_failed");
      expect(json.errors.map((e) => e.field)).toContain(field);
    }
    expect((await authority({ raw: "{not json" })).status).toBe(400);
    expect(
      (await authority({ raw: JSON.stringify({ shopId: SHOP, items: [{ sku: "x".repeat(70_000), quantity: 1 }] }) }))
        .status,
    ).toBe(413);
  });

  it("never answers 500 or 200 to arbitrary bodies (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ shopId: fc.jsonValue(), items: fc.array(fc.jsonValue(), { maxLength: 3 }) }),
        ),
        async (body) => {
          const response = await authority({ body });
          expect([400, 409]).toContain(response.status);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("answers 503 when the store is unreachable, so workers fail closed", async () => {
    // Nothing listens on this port: the connection is refused, as when PostgreSQL is down.
    const dead = createDatabase({
      url: `postgresql://postgres:postgres@127.0.0.1:${await freePort()}/gone`,
      connectionTimeoutMillis: 1_000,
    });
    try {
      const response = await handleInventoryAuthorityRequest(
        new Request("http://cms.test/api/inventory/validate", {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ shopId: SHOP, items: [{ sku: "TEE", quantity: 1 }] }),
        }),
        { token: TOKEN, store: createPrismaInventoryStore(dead), holds: createPrismaHoldStore(dead) },
      );
      expect(response.status).toBe(503);
      expect(((await response.json()) as { code: string }).code).toBe("unavailable");
    } finally {
      await dead.close();
    }
  });
});

describe("health endpoint", () => {
  it("is 200 with the database reachable and migrations current", async () => {
    const response = await handleHealthRequest(new Request("http://cms.test/api/health"), { database: db });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: "reachable", migrations: "current" });
  });

  it("is 503 naming pending migrations on an unmigrated database", async () => {
    const empty = await createEmptyDatabase();
    const database = createDatabase({ url: empty.url });
    try {
      const response = await handleHealthRequest(new Request("http://cms.test/api/health"), { database });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { database: string; migrations: string; pending: string[] };
      expect(body).toMatchObject({ database: "reachable", migrations: "pending" });
      expect(body.pending).toContain("20261124000000_init");
    } finally {
      await database.close();
      await empty.drop();
    }
  });

  it("is 503 without leaking connection details when the database is down", async () => {
    const gone = await createEmptyDatabase();
    await gone.drop();
    const database = createDatabase({ url: gone.url, connectionTimeoutMillis: 500 });
    try {
      const response = await handleHealthRequest(new Request("http://cms.test/api/health"), {
        database,
        timeoutMs: 1_500,
      });
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ status: "unavailable", database: "unreachable" });
      expect(text).not.toContain("postgres");
      expect(text).not.toContain("127.0.0.1");
    } finally {
      await database.close();
    }
  });
});

describe("reaper cron endpoint", () => {
  const cron = (authorization?: string) =>
    handleReaperCron(
      new Request("http://cms.test/api/cron/release-expired-holds", {
        headers: authorization ? { authorization } : {},
      }),
      {
        secret: "cron-secret-abcdefghijklmnop",
        store: holds(),
        requests: createPrismaSessionRequestStore(db),
        now: new Date(Date.now() + 2 * 3600_000),
      },
    );

  it("refuses without the bearer secret and reports per-shop counts with it", async () => {
    expect((await cron()).status).toBe(401);
    expect((await cron("Bearer cron-secret-abcdefghijklmnoq")).status).toBe(401);
    expect((await cron("Basic cron-secret-abcdefghijklmnop")).status).toBe(401);
    await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "TEE", variantKey: "size=m", quantity: 1 }],
      ttlSeconds: 60,
      store: holds(),
    });
    const response = await cron("Bearer cron-secret-abcdefghijklmnop");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { released: number; shops: Array<{ shopId: string; released: number }> };
    expect(body.shops).toEqual([{ shopId: SHOP, released: 2 }]);
    expect(body.released).toBe(2);
    expect(body).toMatchObject({ sessions: { expired: 0, closed: 0, deferred: 0, errors: [] } });
  });
});

describe("HTTP building blocks", () => {
  it("compares secrets exactly, whatever their lengths", () => {
    expect(secretsEqual("abc", "abc")).toBe(true);
    expect(secretsEqual("abc", "abd")).toBe(false);
    expect(secretsEqual("abc", "abcd")).toBe(false);
    expect(secretsEqual("", "abc")).toBe(false);
  });

  it("refuses every request when the secret is unset", () => {
    const request = new Request("http://x/", { headers: { authorization: "Bearer " } });
    expect(() => requireBearer(request, undefined, "CRON_SECRET")).toThrow(/CRON_SECRET is not set/);
    expect(() => requireBearer(request, "", "CRON_SECRET")).toThrow(/CRON_SECRET is not set/);
  });

  it("refuses a declared length over the limit before reading, and malformed JSON with the body named", async () => {
    const declared = new Request("http://x/", {
      method: "POST",
      body: "x".repeat(20),
      headers: { "content-length": "20" },
    });
    await expect(readBytes(declared, 10)).rejects.toMatchObject({ code: "payload_too_large", status: 413 });
    expect(await readBytes(new Request("http://x/", { method: "POST", body: "1234567" }), 7)).toHaveLength(7);
    await expect(readJsonBody(new Request("http://x/", { method: "POST", body: "{nope" }), 100)).rejects.toMatchObject({
      code: "validation_failed",
      details: { errors: [{ field: "body", message: "not valid JSON" }] },
    });
  });

  it("counts streamed bytes, not the declared length", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(1000).fill(32));
        controller.close();
      },
    });
    const request = new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
    await expect(readJsonBody(request, 5_000)).rejects.toMatchObject({ code: "payload_too_large" });
  });
});
