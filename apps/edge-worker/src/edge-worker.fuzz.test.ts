import { createPrismaHoldStore, createPrismaInventoryStore } from "@acme/platform-core";
import { handleInventoryAuthorityRequest } from "@acme/platform-core/route-handlers";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { serveFetchHandler, type ServedFetchHandler } from "@acme/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEdgeWorker, type EdgeWorker } from "./index.ts";

// Hostile requests to the edge worker's fetch handler, against a real
// authority on loopback (the library's handler over PostgreSQL) and a
// loopback checkout origin. The worker answers 4xx to what it cannot read,
// 409 or 503 when the authority says no or cannot answer, never a 5xx of its
// own making, and forwards only well-formed carts the authority admitted.

const TOKEN = "edge-fuzz-token-0123456789";
const SHOP = "edge-fuzz";
const MAX_LINE_QUANTITY = 1_000_000_000;
const RUNS = { requests: 200, quantities: 120 };

let db: TestDatabase;
let authority: ServedFetchHandler;
let origin: ServedFetchHandler;
let worker: EdgeWorker;
const forwarded: string[] = [];
const statuses = new Map<number, number>();

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 3 });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 3 },
      { sku: "MUG", productId: "mug", quantity: 1000 },
    ],
    { reason: "import", actor: "test" },
  );
  authority = await serveFetchHandler((request) =>
    handleInventoryAuthorityRequest(request, {
      token: TOKEN,
      store: createPrismaInventoryStore(db),
      holds: createPrismaHoldStore(db),
    }),
  );
  origin = await serveFetchHandler(async (request) => {
    forwarded.push(await request.text());
    return Response.json({ url: "https://checkout.example/session" });
  });
  worker = createEdgeWorker({
    authority: {
      baseUrl: `${authority.url}/api/inventory`,
      token: TOKEN,
      shopId: SHOP,
      attempts: 1,
      timeoutMs: 10_000,
    },
    checkoutOrigin: origin.url,
  });
});

afterAll(async () => {
  console.log(
    `[fuzz] edge worker: ${[...statuses.values()].reduce((a, b) => a + b, 0)} requests (${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(" ")}), ${forwarded.length} forwarded`,
  );
  await origin?.stop();
  await authority?.stop();
  await db?.destroy();
});

async function send(request: Request): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await worker.fetch(request);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // the status is what is checked
  }
  expect(
    response.status,
    `${request.method} ${request.url} answered ${response.status}: ${text.slice(0, 300)}`,
  ).toBeLessThan(500);
  return { status: response.status, json };
}

async function stock(): Promise<string[]> {
  const { rows } = await db.pool.query<{ row: string }>(
    `SELECT to_jsonb(t)::text AS row FROM "InventoryItem" t ORDER BY 1`,
  );
  return rows.map((r) => r.row);
}

const hostileJson = fc.oneof(
  fc.constantFrom(
    "0",
    "-0",
    "1",
    "2.5",
    "-1",
    "1e3",
    "1e400",
    "1e9",
    "1000000001",
    "9007199254740993",
    '"1"',
    "null",
    "true",
    "[]",
    "{}",
    '"\\u0000"',
    '"\\ud800"',
  ),
  fc.integer({ min: -5, max: 2 * MAX_LINE_QUANTITY }).map(String),
  fc
    .double()
    .filter(Number.isFinite)
    .map((n) => JSON.stringify(n)),
  fc.string({ unit: "binary", maxLength: 16 }).map((s) => JSON.stringify(s)),
  fc.integer({ min: 129, max: 3000 }).map((n) => JSON.stringify("x".repeat(n))),
);
const line = fc
  .record(
    {
      sku: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('"TEE"', '"MUG"', '"NOPE"', '" MUG "') },
        { weight: 1, arbitrary: hostileJson },
      ),
      variantKey: fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom('""', '"size=m"', '"SIZE=M"') },
        { weight: 1, arbitrary: hostileJson },
      ),
      variantAttributes: fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom('{"size":"M"}', '{"Size":"m","size":"M"}', "{}") },
        { weight: 1, arbitrary: hostileJson },
      ),
      quantity: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }).map(String) },
        { weight: 1, arbitrary: hostileJson },
      ),
    },
    { requiredKeys: [] },
  )
  .map(
    (fields) =>
      `{${Object.entries(fields)
        .map(([key, value]) => `${JSON.stringify(key)}:${value}`)
        .join(",")}}`,
  );
const body = fc.oneof(
  { weight: 6, arbitrary: fc.array(line, { maxLength: 4 }).map((lines) => `{"lines":[${lines.join(",")}]}`) },
  { weight: 1, arbitrary: fc.constantFrom("", "{", "null", "[]", '{"lines":{}}', "lines=1", "\ufeff{}") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 64 }) },
);

describe("the edge worker's fetch handler with hostile requests", () => {
  it("random methods, paths, headers and bodies: 4xx for what it cannot read, 409/503 from the authority, forwarding only admitted carts", async () => {
    const method = fc.oneof(
      { weight: 5, arbitrary: fc.constant("POST") },
      { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS") },
    );
    const pathArb = fc.oneof(
      { weight: 5, arbitrary: fc.constant("/checkout") },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "/",
          "/checkout/",
          "/CHECKOUT",
          "/checkout%00",
          "/api/checkout-session",
          "/checkout?x=1",
        ),
      },
    );
    const headers = fc.record(
      {
        "content-type": fc.constantFrom("application/json", "text/plain", "multipart/form-data; boundary=x"),
        authorization: fc.constantFrom(`Bearer ${TOKEN}`, "Bearer x"),
        "x-forwarded-for": fc.ipV4(),
        host: fc.constantFrom("evil.example", "edge.example"),
        "transfer-encoding": fc.constant("chunked"),
        connection: fc.constantFrom("keep-alive, x-secret", "close"),
      },
      { requiredKeys: [] },
    );
    const before = await stock();
    await fc.assert(
      fc.asyncProperty(method, pathArb, headers, body, async (m, p, h, text) => {
        const count = forwarded.length;
        const request = new Request(`https://edge.example${p}`, {
          method: m,
          headers: h,
          ...(m === "GET" ? {} : { body: text }),
        });
        const { status, json } = await send(request);
        expect([200, 400, 404, 405, 409, 413, 503], JSON.stringify(json)).toContain(status);
        if (status === 200) {
          // Forwarded once, only a well-formed cart the authority admitted, each line by its variant key.
          expect(forwarded.length).toBe(count + 1);
          const sent = JSON.parse(forwarded.at(-1)!) as {
            lines: Array<{ sku: unknown; quantity: unknown; variantKey: unknown; variantAttributes?: unknown }>;
          };
          const cart = JSON.parse(text) as { lines: Array<{ sku: unknown; quantity: unknown }> };
          expect(sent.lines.map((l) => [l.sku, l.quantity])).toEqual(
            cart.lines.map((l) => [String(l.sku).trim(), l.quantity]),
          );
          for (const l of sent.lines) {
            expect(typeof l.variantKey).toBe("string");
            expect(l.variantAttributes).toBeUndefined();
            expect(
              Number.isSafeInteger(l.quantity) &&
                (l.quantity as number) >= 1 &&
                (l.quantity as number) <= MAX_LINE_QUANTITY,
            ).toBe(true);
          }
        } else {
          expect(forwarded.length, `${status} yet forwarded`).toBe(count);
          if (status === 400) expect(json.code).toBe("validation_failed");
        }
      }),
      { numRuns: RUNS.requests },
    );
    // The worker and the authority only read stock.
    expect(await stock()).toEqual(before);
  });

  it("quantities: whole numbers 1..1e9 go to the authority (200 or 409), anything else is a 400 on that line's quantity", async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (raw) => {
        const { status, json } = await send(
          new Request("https://edge.example/checkout", {
            method: "POST",
            body: `{"lines":[{"sku":"MUG","quantity":${raw}}]}`,
          }),
        );
        const value: unknown = JSON.parse(raw);
        if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_LINE_QUANTITY) {
          expect(status, `${raw}: ${JSON.stringify(json)}`).toBe(value <= 1000 ? 200 : 409);
        } else {
          expect(status, `${raw}: ${JSON.stringify(json)}`).toBe(400);
          expect((json.errors as Array<{ field: string }>).map((e) => e.field)).toContain("lines.0.quantity");
        }
      }),
      {
        numRuns: RUNS.quantities,
        examples: [["-0"], ["0"], ["1e400"], ["9007199254740993"], ['"1"'], ["2.5"], ["1e3"], ["1000000001"]],
      },
    );
  });

  it("bodies over 64 KiB get 413 from the worker itself, never reaching the authority or the checkout", async () => {
    const count = forwarded.length;
    const big = `{"lines":[${Array.from({ length: 500 }, (_, i) => `{"sku":"MUG","variantKey":"${"k".repeat(150)}${i}","quantity":1}`).join(",")}]}`;
    expect(big.length).toBeGreaterThan(64 * 1024);
    const { status, json } = await send(new Request("https://edge.example/checkout", { method: "POST", body: big }));
    expect(status, JSON.stringify(json)).toBe(413);
    expect(json.code).toBe("payload_too_large");
    // 16 MiB streamed with no declared length (bounded, so a worker that reads it all still ends).
    let chunks = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (chunks++ >= 256) controller.close();
        else controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
      },
    });
    const streamed = await send(
      new Request("https://edge.example/checkout", { method: "POST", body: endless, duplex: "half" } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(forwarded.length).toBe(count);
  });
});
