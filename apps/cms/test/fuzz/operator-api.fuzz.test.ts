import {
  createPrismaHoldStore,
  createPrismaInventoryStore,
  createInventoryHold,
  MAX_QUANTITY,
} from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestOperator,
  signIn,
  startCmsForTest,
  type CmsClient,
  type TestCms,
} from "../support/cms-test-server.ts";
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

// Hostile input to the operators' API of the built CMS, sent as a signed-in
// editor with a valid CSRF token so that every request reaches validation.
// Every malformed query or body must be refused with a 4xx (field errors for
// validation), never a 5xx, and a refusal must leave the stored state (stock,
// ledger, holds, webhook log, operators) exactly as it was.

const PASSWORD = "correct horse battery staple";
const SHOP = "shop-a";
const RUNS = {
  grid: 100,
  patch: 150,
  quantities: 100,
  limits: 100,
  history: 80,
  imports: 80,
  exports: 40,
  holds: 60,
  release: 60,
  lowStock: 20,
  signIn: 60,
};

let db: TestDatabase;
let cms: TestCms;
let editor: CmsClient;
const tally = new FuzzTally();

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 3 });
  const store = createPrismaInventoryStore(db);
  await store.upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 10, lowStockThreshold: 3 },
      { sku: "TEE", productId: "tee", variantAttributes: { size: "L" }, quantity: 2, lowStockThreshold: 5 },
      { sku: "SOCK", productId: "sock", quantity: 7 },
      { sku: "MUG", productId: "mug", quantity: 0 },
    ],
    { reason: "import", actor: "test" },
  );
  // Held units: an edit or import below them is a conflict.
  await createInventoryHold({
    shopId: SHOP,
    requests: [{ sku: "TEE", variantKey: "size=m", quantity: 4 }],
    ttlSeconds: 3600,
    store: createPrismaHoldStore(db),
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@a.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });
  cms = await startCmsForTest({ databaseUrl: db.url });
  editor = await signIn(cms, "editor@a.test", PASSWORD);
});

afterAll(async () => {
  tally.print("cms operator API");
  if (process.env.FUZZ_SHOW_SERVER) console.log(cms?.output());
  await cms?.stop();
  await db?.destroy();
});

/** Sends as the editor; `extra` headers (hostile) go on top of the session's. */
async function send(
  path: string,
  init: { method: string; body?: string | Uint8Array; headers?: Record<string, string> },
): Promise<Response> {
  const response = await editor.request(path, {
    method: init.method,
    ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
    headers: { "content-type": "application/json", ...init.headers },
  });
  tally.add(
    `${init.method} ${path.replace(/\?.*$/, "").replace(/\/holds\/[^/]+\/release$/, "/holds/:holdId/release")}`,
    response.status,
  );
  return response;
}

/** Hostile headers on about one request in four. */
const maybeHeaders = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 1, arbitrary: hostileHeaders },
);

async function version(sku: string, variantKey: string): Promise<number> {
  const { rows } = await db.pool.query<{ version: number }>(
    `SELECT version FROM "InventoryItem" WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = $3`,
    [SHOP, sku, variantKey],
  );
  return rows[0]?.version ?? 0;
}

/** Reads must answer 200 or a 4xx and change nothing. */
async function fuzzRead(path: string, query: string, headers: Record<string, string>): Promise<number> {
  const before = await stateSnapshot(db);
  const response = await send(`${path}${query ? `?${query}` : ""}`, { method: "GET", headers });
  if (response.status === 200) await response.body?.cancel();
  else await expectRefusal(response, [400, 403, 404], `GET ${path}?${query}`);
  expect(await stateSnapshot(db)).toEqual(before);
  return response.status;
}

describe("reads: hostile queries get 200 or field errors, never a 5xx", () => {
  it("GET /inventory (the grid)", async () => {
    const query = hostileQuery({
      q: fc.constantFrom("TEE", "tee", "%", "_", "\\", "'", "a%'--", "\u0000"),
      filter: fc.constantFrom("all", "low", "out", "attention", "ALL"),
      sort: fc.constantFrom(
        "sku",
        "productId",
        "quantity",
        "reserved",
        "available",
        "lowStockThreshold",
        "purchaseLimit",
        "updatedAt",
        "id; DROP TABLE x",
      ),
      dir: fc.constantFrom("asc", "desc", "up"),
      offset: fc.constantFrom("0", "1", "1000000", "1000001"),
      limit: fc.constantFrom("1", "100", "500", "501", "0"),
    });
    await fc.assert(
      fc.asyncProperty(query, maybeHeaders, (q, h) => fuzzRead(`/api/shops/${SHOP}/inventory`, q, h).then(() => {})),
      {
        numRuns: RUNS.grid,
        // Regression: a NUL in the search reached PostgreSQL, which refused the query (500).
        examples: [
          ["q=%00&filter=all", {}],
          ["q=a%01b", {}],
        ],
      },
    );
    // The grid page shares the query: it must not fail either.
    const page = await editor.request(`/cms/shop/${SHOP}/data/inventory?q=%00`, { method: "GET" });
    await page.body?.cancel();
    expect(page.status).toBe(200);
  });

  it("GET /inventory/history", async () => {
    const query = hostileQuery({
      sku: fc.constantFrom("TEE", "SOCK", "NOPE", "\u0000"),
      variantKey: fc.constantFrom("", "size=m", "size=M", "bad key", "\u0000"),
      before: fc.constantFrom("1", "999999999999999999", "9999999999999999999", "-1", "1.5"),
      limit: fc.constantFrom("1", "500", "501", "0", "abc"),
    });
    await fc.assert(
      fc.asyncProperty(query, maybeHeaders, (q, h) =>
        fuzzRead(`/api/shops/${SHOP}/inventory/history`, q, h).then(() => {}),
      ),
      { numRuns: RUNS.history },
    );
  });

  it("GET /export", async () => {
    const query = hostileQuery({ format: fc.constantFrom("csv", "json", "xml", "CSV") });
    await fc.assert(
      fc.asyncProperty(query, maybeHeaders, (q, h) => fuzzRead(`/api/shops/${SHOP}/export`, q, h).then(() => {})),
      { numRuns: RUNS.exports },
    );
  });

  it("GET /holds", async () => {
    const query = hostileQuery({
      status: fc.constantFrom("active", "expired", "committed", "released", "ACTIVE", "pending"),
      limit: fc.constantFrom("1", "1000", "1001", "0", "-5"),
    });
    await fc.assert(
      fc.asyncProperty(query, maybeHeaders, (q, h) => fuzzRead(`/api/shops/${SHOP}/holds`, q, h).then(() => {})),
      { numRuns: RUNS.holds },
    );
  });

  it("GET /low-stock", async () => {
    await fc.assert(
      fc.asyncProperty(hostileQuery({}), maybeHeaders, (q, h) =>
        fuzzRead(`/api/shops/${SHOP}/low-stock`, q, h).then(() => {}),
      ),
      { numRuns: RUNS.lowStock },
    );
  });
});

describe("PATCH /inventory: hostile edit bodies", () => {
  it("random bodies: 200 only for a valid edit, otherwise a 4xx that changes nothing", async () => {
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: hostileObject({
          sku: fc.constantFrom('"SOCK"', '"TEE"', '"NOPE"', '" SOCK "'),
          variantKey: fc.constantFrom('""', '"size=m"', '"size=l"', '"size=M"'),
          expectedVersion: fc.constantFrom("1", "0", "2", '"1"'),
          quantity: fc.integer({ min: 0, max: 12 }).map(String),
          lowStockThreshold: fc.constantFrom("null", "0", "4"),
          purchaseLimit: fc.constantFrom("null", "0", "1", "2", "-1", "2.5"),
          reason: fc.constantFrom('"correction"', '"restock"', '"sale"', '"import"', '"EDIT"'),
          note: fc.constantFrom('"counted twice"', '""', JSON.stringify("n".repeat(501))),
        }),
      },
      { weight: 1, arbitrary: garbageBody },
    );
    await fc.assert(
      fc.asyncProperty(body, maybeHeaders, async (text, headers) => {
        const before = await stateSnapshot(db);
        const response = await send(`/api/shops/${SHOP}/inventory`, { method: "PATCH", body: text, headers });
        if (response.status === 200) {
          // Accepted: it must have been a whole, in-range quantity and/or threshold.
          const sent = JSON.parse(text) as { quantity?: unknown; lowStockThreshold?: unknown; purchaseLimit?: unknown };
          for (const [value, min] of [
            [sent.quantity, 0],
            [sent.lowStockThreshold, 0],
            [sent.purchaseLimit, 1],
          ] as const) {
            if (value === undefined || value === null) continue;
            expect(
              Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= MAX_QUANTITY,
              `accepted ${text}`,
            ).toBe(true);
          }
          await response.body?.cancel();
          return;
        }
        await expectRefusal(response, [400, 403, 404, 409, 413], `PATCH ${text.slice(0, 200)}`);
        expect(await stateSnapshot(db)).toEqual(before);
      }),
      { numRuns: RUNS.patch },
    );
  });

  it("quantities: accepted exactly when a JSON number that is a whole number in 0..MAX_QUANTITY, else 400 on `quantity`", async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (raw) => {
        const expectedVersion = await version("SOCK", "");
        const text = `{"sku":"SOCK","variantKey":"","expectedVersion":${expectedVersion},"quantity":${raw},"reason":"correction","note":"fuzz"}`;
        const value: unknown = JSON.parse(raw);
        const valid = typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_QUANTITY;
        const before = await stateSnapshot(db);
        const response = await send(`/api/shops/${SHOP}/inventory`, { method: "PATCH", body: text });
        if (valid) {
          expect(response.status, `${raw} refused: ${await response.clone().text()}`).toBe(200);
          const { item } = (await response.json()) as { item: { quantity: number } };
          expect(item.quantity).toBe(value + 0);
          expect(await version("SOCK", "")).toBeGreaterThanOrEqual(expectedVersion);
        } else {
          const body = await expectRefusal(response, [400, 413], `quantity ${raw}`);
          if (response.status === 400) expect(body.errors?.map((e) => e.field)).toContain("quantity");
          expect(await stateSnapshot(db)).toEqual(before);
        }
      }),
      {
        numRuns: RUNS.quantities,
        examples: [
          ["-0"],
          ["1e400"],
          ["9007199254740993"],
          ['"5"'],
          ["5.5"],
          ["1e3"],
          [String(MAX_QUANTITY + 1)],
          ["-1"],
        ],
      },
    );
  });
});

describe("PATCH /inventory: hostile purchase limits", () => {
  it("accepted exactly when null or a JSON number that is a whole number in 1..MAX_QUANTITY, else 400 on `purchaseLimit` and nothing changes", async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (raw) => {
        const expectedVersion = await version("SOCK", "");
        const text = `{"sku":"SOCK","variantKey":"","expectedVersion":${expectedVersion},"purchaseLimit":${raw}}`;
        const value: unknown = JSON.parse(raw);
        const valid =
          value === null ||
          (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_QUANTITY);
        const before = await stateSnapshot(db);
        const response = await send(`/api/shops/${SHOP}/inventory`, { method: "PATCH", body: text });
        if (valid) {
          expect(response.status, `${raw} refused: ${await response.clone().text()}`).toBe(200);
          const { item } = (await response.json()) as { item: { purchaseLimit: number | null } };
          expect(item.purchaseLimit).toBe(value);
          const { rows } = await db.pool.query<{ purchaseLimit: number | null }>(
            `SELECT "purchaseLimit" FROM "InventoryItem" WHERE "shopId" = $1 AND sku = 'SOCK'`,
            [SHOP],
          );
          expect(rows[0]?.purchaseLimit).toBe(value);
        } else {
          const body = await expectRefusal(response, [400, 413], `purchaseLimit ${raw.slice(0, 80)}`);
          if (response.status === 400) expect(body.errors?.map((e) => e.field)).toContain("purchaseLimit");
          expect(await stateSnapshot(db)).toEqual(before);
        }
      }),
      {
        numRuns: RUNS.limits,
        // 1e400 is Infinity to JavaScript, which JSON.stringify writes as null ("no limit"): it must be refused, not
        // read as null.
        examples: [
          ["0"],
          ["-0"],
          ["-1"],
          ["1.5"],
          ["1e400"],
          ['"2"'],
          ['""'],
          [String(MAX_QUANTITY + 1)],
          ["9007199254740993"],
          ["1"],
          ["null"],
        ],
      },
    );
  });
});

describe("writes: hostile imports and releases", () => {
  it("POST /import: hostile queries and files (CSV, JSON, bytes) are refused whole, or previewed, or applied whole", async () => {
    const query = hostileQuery({
      format: fc.constantFrom("csv", "json", "xml"),
      mode: fc.constantFrom("preview", "apply", "APPLY", "dry"),
    });
    const cell = fc.oneof(
      fc.constantFrom("SOCK", "TEE", "NEW", "=cmd()", "+1", "@x", "", "\u0000", '"', "a,b"),
      fc.string({ maxLength: 6 }),
    );
    const number = fc.oneof(
      fc.constantFrom("0", "3", "12", "-1", "1.5", "1e3", "-0", "99999999999"),
      fc.string({ maxLength: 4 }),
    );
    const limit = fc.oneof(
      fc.constantFrom("", "1", "2", "0", "-1", "1.5", "abc", "1e9", "1000000001", "9".repeat(400)),
      number,
    );
    const csvRow = fc
      .tuple(cell, cell, number, limit, fc.constantFrom("", "M", "L"))
      .map((cells) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(","));
    const csvFile = fc
      .tuple(fc.boolean(), fc.constantFrom("\n", "\r\n"), fc.array(csvRow, { minLength: 1, maxLength: 4 }))
      .map(
        ([bom, eol, rows]) =>
          `${bom ? "\ufeff" : ""}${["sku,productId,quantity,purchaseLimit,variant.size", ...rows].join(eol)}`,
      );
    const jsonFile = fc
      .array(
        hostileObject({
          sku: fc.constantFrom('"SOCK"', '"NEW"'),
          productId: fc.constant('"p"'),
          quantity: fc.constantFrom("1", "5"),
          purchaseLimit: fc.constantFrom("null", "2", "0", '"2"'),
        }),
        { maxLength: 3 },
      )
      .map((items) => `{"items":[${items.join(",")}]}`);
    const body = fc.oneof(csvFile, jsonFile, garbageBody, fc.uint8Array({ maxLength: 256 }));
    await fc.assert(
      fc.asyncProperty(query, body, maybeHeaders, async (q, content, headers) => {
        const before = await stateSnapshot(db);
        const response = await send(`/api/shops/${SHOP}/import?${q}`, { method: "POST", body: content, headers });
        const mode = new URLSearchParams(q).get("mode");
        if (response.status === 200) {
          const result = (await response.json()) as { dryRun: boolean };
          expect(result.dryRun).toBe(mode !== "apply");
          if (result.dryRun) expect(await stateSnapshot(db)).toEqual(before);
          return;
        }
        await expectRefusal(response, [400, 403, 409, 413], `import ?${q}`);
        expect(await stateSnapshot(db)).toEqual(before);
      }),
      { numRuns: RUNS.imports },
    );
  });

  it("POST /holds/:holdId/release with hostile hold ids changes nothing", async () => {
    const holdId = fc.oneof(
      fc.uuid(),
      fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
      fc.constantFrom(
        "x".repeat(129),
        "x".repeat(5000),
        "..",
        "%2e%2e",
        "' OR 1=1 --",
        "00000000-0000-0000-0000-000000000000",
        "\u0000",
      ),
    );
    await fc.assert(
      fc.asyncProperty(holdId, maybeHeaders, async (id, headers) => {
        const before = await stateSnapshot(db);
        const response = await send(`/api/shops/${SHOP}/holds/${encodeURIComponent(id)}/release`, {
          method: "POST",
          body: "{}",
          headers,
        });
        if (response.status === 200) {
          expect(((await response.json()) as { changed: boolean }).changed).toBe(false);
        } else {
          // 409 "Server Action unavailable": a multipart POST to a path that is no route ("holds/../release") is taken
          // for a server action by Next.js.
          await expectRefusal(
            response,
            [400, 403, 404, 405, 409, 414, 431],
            `release ${JSON.stringify(id).slice(0, 80)}`,
          );
        }
        expect(await stateSnapshot(db)).toEqual(before);
      }),
      // Regression: an unknown hold answered 500 once a page had created the hold store (see the next test).
      {
        numRuns: RUNS.release,
        examples: [
          ["00000000-0000-1000-8000-000000000000", {}],
          ["nope", {}],
        ],
      },
    );
  });

  it("errors thrown by stores a page created keep their status in API routes (was 500)", async () => {
    // Pages and API routes get separate copies of the library, while the stores live on globalThis:
    // render pages first so that a page's copy creates them, then make the stores throw.
    for (const page of ["/cms", `/cms/shop/${SHOP}/data/inventory`, `/cms/shop/${SHOP}/holds`])
      await (await editor.request(page, { method: "GET" })).body?.cancel();
    const before = await stateSnapshot(db);
    const unknownHold = await send(`/api/shops/${SHOP}/holds/00000000-0000-4000-8000-000000000000/release`, {
      method: "POST",
      body: "{}",
    });
    expect((await expectRefusal(unknownHold, [404], "release of an unknown hold")).code).toBe("not_found");
    // Below the 4 units held: the store refuses with `conflict`.
    const belowHeld = await send(`/api/shops/${SHOP}/inventory`, {
      method: "PATCH",
      body: JSON.stringify({
        sku: "TEE",
        variantKey: "size=m",
        expectedVersion: await version("TEE", "size=m"),
        quantity: 1,
        reason: "correction",
      }),
    });
    expect((await expectRefusal(belowHeld, [409], "edit below held units")).code).toBe("conflict");
    expect(await stateSnapshot(db)).toEqual(before);
  });
});

describe("POST /api/auth/sign-in: hostile credentials", () => {
  it("random bodies and client addresses get 400, 401, 413 or 429; never a session", async () => {
    const body = fc.oneof(
      hostileObject({
        email: fc.constantFrom('"editor@a.test"', '"EDITOR@A.TEST"', '"nobody@a.test"', '"a@b"'),
        password: fc.constantFrom('"wrong password"', '""', JSON.stringify("p".repeat(1000))),
      }),
      garbageBody,
    );
    await fc.assert(
      fc.asyncProperty(body, maybeHeaders, async (text, headers) => {
        const before = await stateSnapshot(db);
        const response = await fetch(`${cms.url}/api/auth/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers, origin: cms.url, host: new URL(cms.url).host },
          body: text,
        });
        tally.add("POST /api/auth/sign-in", response.status);
        expect(response.headers.get("set-cookie"), text).toBeNull();
        await expectRefusal(response, [400, 401, 403, 413, 429], `sign-in ${text.slice(0, 120)}`);
        expect(await stateSnapshot(db)).toEqual(before);
      }),
      {
        numRuns: RUNS.signIn,
        // Regression: an email holding a NUL reached PostgreSQL (the throttle's row) and answered 500.
        examples: [
          [JSON.stringify({ email: "\u0000", password: "wrong password" }), {}],
          [JSON.stringify({ email: "a\u0000@b.test", password: "wrong password" }), {}],
        ],
      },
    );
  });
});

describe("size limits", () => {
  it("answer 413 by declared and by streamed length, and change nothing", async () => {
    const before = await stateSnapshot(db);
    const big = (bytes: number) => `{"sku":"SOCK","note":"${"x".repeat(bytes)}"}`;
    const cases: Array<[string, string, string | Uint8Array]> = [
      ["PATCH", `/api/shops/${SHOP}/inventory`, big(16 * 1024)],
      [
        "POST",
        `/api/shops/${SHOP}/import?format=csv&mode=apply`,
        `sku,productId,quantity\n${"SOCK,sock,1\n".repeat(Math.ceil((5 * 1024 * 1024) / 12) + 1)}`,
      ],
    ];
    for (const [method, path, body] of cases) {
      const response = await send(path, { method, body });
      expect((await expectRefusal(response, [413], `${method} ${path}`)).code).toBe("payload_too_large");
    }
    const signInResponse = await fetch(`${cms.url}/api/auth/sign-in`, {
      method: "POST",
      headers: { origin: cms.url },
      body: big(4096),
    });
    tally.add("POST /api/auth/sign-in", signInResponse.status);
    expect(signInResponse.status).toBe(413);

    // What fetch will not send: a declared length far beyond the limit, and a chunked body with no length at all.
    const host = new URL(cms.url).host;
    const head = (method: string, path: string, extra: string) =>
      `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${cms.url}\r\nCookie: ${editor.cookie}\r\nX-CSRF-Token: ${editor.csrfToken}\r\nContent-Type: application/json\r\nConnection: close\r\n${extra}\r\n`;
    const declared = await rawHttp(
      cms.url,
      head("PATCH", `/api/shops/${SHOP}/inventory`, "Content-Length: 1000000000\r\n"),
      "{}",
    );
    tally.add("PATCH /api/shops/shop-a/inventory", declared.status);
    expect(declared.status).toBe(413);
    const chunk = "x".repeat(8192);
    const chunks = `{"note":"${Array.from({ length: 4 }, () => chunk).join("")}"}`;
    const chunked = await rawHttp(
      cms.url,
      head("PATCH", `/api/shops/${SHOP}/inventory`, "Transfer-Encoding: chunked\r\n"),
      `${chunks.length.toString(16)}\r\n${chunks}\r\n0\r\n\r\n`,
    );
    tally.add("PATCH /api/shops/shop-a/inventory", chunked.status);
    expect(chunked.status).toBe(413);
    expect(await stateSnapshot(db)).toEqual(before);
  });
});
