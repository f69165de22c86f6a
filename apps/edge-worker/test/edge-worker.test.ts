import {
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  InventoryAuthorityClient,
} from "@acme/platform-core";
import { CART_MAX_LINES } from "@acme/platform-core/universal";
import { handleInventoryAuthorityRequest } from "@acme/platform-core/route-handlers";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { freePort, serveFetchHandler, type ServedFetchHandler } from "@acme/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEdgeWorker } from "../src/index.ts";

// The worker in Node, against a real authority on loopback (the library's
// authority handler over a real PostgreSQL database) and a loopback checkout
// origin that records what the worker lets through.

const TOKEN = "edge-authority-token-0123456789";
const SHOP = "edge-shop";
const OTHER_SHOP = "other-shop";

let db: TestDatabase;
const servers: ServedFetchHandler[] = [];
let authorityUrl: string;
let origin: ServedFetchHandler;
const forwarded: Array<{ path: string; body: string; headers: Headers }> = [];

async function serve(handler: (request: Request) => Response | Promise<Response>): Promise<ServedFetchHandler> {
  const server = await serveFetchHandler(handler);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const store = createPrismaInventoryStore(db);
  await store.upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 3 },
      { sku: "TEE", productId: "tee", variantAttributes: { size: "L" }, quantity: 0 },
      { sku: "MUG", productId: "mug", quantity: 1 },
    ],
    { reason: "import", actor: "test" },
  );
  // The other shop has plenty of MUG and of a sku edge-shop does not stock at all.
  await store.upsertItems(
    OTHER_SHOP,
    [
      { sku: "MUG", productId: "mug", quantity: 50 },
      { sku: "CAP", productId: "cap", quantity: 50 },
    ],
    { reason: "import", actor: "test" },
  );
  const authority = await serve((request) =>
    handleInventoryAuthorityRequest(request, {
      token: TOKEN,
      store: createPrismaInventoryStore(db),
      holds: createPrismaHoldStore(db),
    }),
  );
  authorityUrl = `${authority.url}/api/inventory`;
  origin = await serve(async (request) => {
    forwarded.push({ path: new URL(request.url).pathname, body: await request.text(), headers: request.headers });
    return Response.json({ url: "https://checkout.example/session" }, { status: 200, headers: { "x-origin": "shop" } });
  });
});

afterAll(async () => {
  while (servers.length) await servers.pop()!.stop();
  await db?.destroy();
});

function worker(overrides: { baseUrl?: string; token?: string; shopId?: string; timeoutMs?: number } = {}) {
  return createEdgeWorker({
    authority: {
      baseUrl: overrides.baseUrl ?? authorityUrl,
      token: overrides.token ?? TOKEN,
      shopId: overrides.shopId ?? SHOP,
      attempts: 2,
      backoffMs: 5,
      timeoutMs: overrides.timeoutMs ?? 1_000,
    },
    checkoutOrigin: origin.url,
  });
}

function checkout(body: unknown, init: { raw?: string; method?: string; path?: string } = {}): Request {
  return new Request(`https://edge.example${init.path ?? "/checkout"}`, {
    method: init.method ?? "POST",
    headers: { "content-type": "application/json", "x-buyer": "b-1" },
    ...(init.method === "GET" ? {} : { body: init.raw ?? JSON.stringify(body) }),
  });
}

describe("edge worker against a real authority", () => {
  it("admits an available cart: forwards the body it checked to the checkout origin and returns its answer", async () => {
    const before = forwarded.length;
    const body = {
      lines: [
        { sku: "TEE", variantKey: "size=m", quantity: 2 },
        { sku: "MUG", quantity: 1 },
      ],
    };
    const response = await worker().fetch(checkout(body));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-origin")).toBe("shop");
    expect(await response.json()).toEqual({ url: "https://checkout.example/session" });
    expect(forwarded.length).toBe(before + 1);
    const sent = forwarded.at(-1)!;
    expect(sent.path).toBe("/api/checkout-session");
    // Every line carries its variant key, as the shop reads it.
    expect(JSON.parse(sent.body)).toEqual({
      lines: [
        { sku: "TEE", variantKey: "size=m", quantity: 2 },
        { sku: "MUG", variantKey: "", quantity: 1 },
      ],
    });
    expect(sent.headers.get("x-buyer")).toBe("b-1");
  });

  it("accepts variant attributes in any case and order, and forwards the line by its canonical key", async () => {
    const response = await worker().fetch(
      checkout({
        lines: [{ sku: "TEE", variantAttributes: { Size: " M " }, quantity: 3 }],
        idempotencyKey: "cart-12345678",
      }),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(forwarded.at(-1)!.body)).toEqual({
      lines: [{ sku: "TEE", variantKey: "size=m", quantity: 3 }],
      idempotencyKey: "cart-12345678",
    });
  });

  it("refuses a short cart with 409 and the short items, forwarding nothing", async () => {
    const before = forwarded.length;
    const response = await worker().fetch(
      checkout({
        lines: [
          { sku: "TEE", variantKey: "size=m", quantity: 4 },
          { sku: "TEE", variantKey: "size=l", quantity: 1 },
        ],
      }),
    );
    expect(response.status).toBe(409);
    const body = (await response.json()) as { code: string; items: unknown[] };
    expect(body.code).toBe("inventory_insufficient");
    expect(body.items).toHaveLength(2);
    expect(body.items).toEqual(
      expect.arrayContaining([
        { sku: "TEE", variantKey: "size=l", requested: 1, available: 0 },
        { sku: "TEE", variantKey: "size=m", requested: 4, available: 3 },
      ]),
    );
    expect(forwarded.length).toBe(before);
  });

  it("sees live holds: once the last unit is held, the next cart is refused", async () => {
    const holds = createPrismaHoldStore(db);
    const cart = { lines: [{ sku: "MUG", quantity: 1 }] };
    expect((await worker().fetch(checkout(cart))).status).toBe(200);
    await createInventoryHold({ shopId: SHOP, requests: [{ sku: "MUG", quantity: 1 }], ttlSeconds: 600, store: holds });
    const response = await worker().fetch(checkout(cart));
    expect(response.status).toBe(409);
    expect(((await response.json()) as { items: unknown[] }).items).toEqual([
      { sku: "MUG", variantKey: "", requested: 1, available: 0 },
    ]);
  });

  it("never sees another shop's stock", async () => {
    // other-shop has 50 CAP; edge-shop stocks none.
    const response = await worker().fetch(checkout({ lines: [{ sku: "CAP", quantity: 1 }] }));
    expect(response.status).toBe(409);
    // And the other shop's worker is admitted for the same cart.
    expect(
      (await worker({ shopId: OTHER_SHOP }).fetch(checkout({ lines: [{ sku: "CAP", quantity: 1 }] }))).status,
    ).toBe(200);
  });

  it("answers 400 with field errors for a bad body, without asking the authority", async () => {
    const bad = await worker({ baseUrl: `http://127.0.0.1:${await freePort()}/api/inventory` }).fetch(
      checkout({ lines: [{ sku: "", quantity: 0 }] }),
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; errors: Array<{ field: string }> };
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((error) => error.field).sort()).toEqual(["lines.0.quantity", "lines.0.sku"]);
    const notJson = await worker().fetch(checkout(undefined, { raw: "{nope" }));
    expect(notJson.status).toBe(400);
  });

  it("reads lines with the library's one cart-line schema: more than CART_MAX_LINES, or a key that is not canonical, is its own 400", async () => {
    const nowhere = worker({ baseUrl: `http://127.0.0.1:${await freePort()}/api/inventory` });
    const long = await nowhere.fetch(
      checkout({ lines: Array.from({ length: CART_MAX_LINES + 1 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 })) }),
    );
    expect(long.status).toBe(400);
    expect(((await long.json()) as { errors: unknown[] }).errors).toEqual([
      { field: "lines", message: `must have at most ${CART_MAX_LINES} lines` },
    ]);
    const uncanonical = await nowhere.fetch(checkout({ lines: [{ sku: "TEE", variantKey: "SIZE=M", quantity: 1 }] }));
    expect(uncanonical.status).toBe(400);
    expect(((await uncanonical.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual([
      "lines.0.variantKey",
    ]);
  });

  it("routes only POST /checkout", async () => {
    expect((await worker().fetch(checkout(undefined, { method: "GET" }))).status).toBe(405);
    expect((await worker().fetch(checkout({}, { path: "/elsewhere" }))).status).toBe(404);
  });

  it("also takes a ready InventoryAuthorityClient", async () => {
    const client = new InventoryAuthorityClient({ baseUrl: authorityUrl, token: TOKEN, shopId: SHOP });
    const edge = createEdgeWorker({ authority: client, checkoutOrigin: origin.url, checkoutPath: "/custom" });
    const response = await edge.fetch(checkout({ lines: [{ sku: "TEE", variantKey: "size=m", quantity: 1 }] }));
    expect(response.status).toBe(200);
    expect(forwarded.at(-1)!.path).toBe("/custom");
  });
});

describe("edge worker fails closed", () => {
  const cart = { lines: [{ sku: "TEE", variantKey: "size=m", quantity: 1 }] };

  async function expectRefused(edge: ReturnType<typeof worker>, reason: RegExp) {
    const before = forwarded.length;
    const response = await edge.fetch(checkout(cart));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("unavailable");
    expect(body.message).toMatch(reason);
    expect(forwarded.length).toBe(before);
  }

  it("503 when the authority is unreachable", async () => {
    await expectRefused(worker({ baseUrl: `http://127.0.0.1:${await freePort()}/api/inventory` }), /unreachable/);
  });

  it("503 when the authority is too slow", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = await serve(async () => {
      await gate;
      return Response.json({ ok: true });
    });
    try {
      await expectRefused(worker({ baseUrl: `${slow.url}/api/inventory`, timeoutMs: 150 }), /timed out/);
    } finally {
      release();
    }
  });

  it("503 when the authority answers 500", async () => {
    const broken = await serve(() => new Response("boom", { status: 500 }));
    await expectRefused(worker({ baseUrl: `${broken.url}/api/inventory` }), /answered 500/);
  });

  it("503 when the authority answers garbage: a 200 that is not its { ok: true }, or a 409 without items", async () => {
    const portal = await serve(
      () =>
        new Response("<html>Welcome to the hotel wifi</html>", {
          status: 200,
          headers: { "content-type": "text/html" },
        }),
    );
    await expectRefused(worker({ baseUrl: `${portal.url}/api/inventory` }), /answered 200 without \{ ok: true \}/);
    const odd = await serve(() => Response.json({ ok: false }, { status: 409 }));
    await expectRefused(worker({ baseUrl: `${odd.url}/api/inventory` }), /409 without the short items/);
  });

  it("503 when the authority refuses the token", async () => {
    await expectRefused(worker({ token: "wrong-token-0123456789" }), /answered 401/);
  });
});
