import {
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  DEFAULT_HOLD_POLICY,
  holdPolicySchema,
  identifyHoldClient,
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
  rawHttp,
  stateSnapshot,
} from "./fuzz-support.ts";

// Hostile input to the denial-of-inventory controls of the built CMS: the
// shop's hold policy (PUT /hold-policy, admins) and releasing one client's
// holds (POST /clients/release, editors). A value is stored exactly when it
// is a whole JSON number in range; anything else is a 4xx naming the field,
// and the stored state (policy, stock, ledger, holds) stays as it was.

const PASSWORD = "correct horse battery staple";
const SHOP = "shop-a";
const RUNS = { bodies: 150, values: 120, release: 80 };
const FIELDS = ["maxActiveHoldsPerClient", "maxHeldUnitsPerClient", "unopenedHoldSeconds"] as const;
type Field = (typeof FIELDS)[number];
/** The bounds as the library's schema states them (the test asks it, as the settings page does). */
const RANGE = Object.fromEntries(
  FIELDS.map((field) => [
    field,
    { min: holdPolicySchema.shape[field].minValue!, max: holdPolicySchema.shape[field].maxValue! },
  ]),
) as Record<Field, { min: number; max: number }>;
const SECRET = "fuzz-client-secret-0123456789abcdef";
const HOLDER = identifyHoldClient({ address: "203.0.113.50", buyerId: "fuzz-holder", secret: SECRET });

let db: TestDatabase;
let cms: TestCms;
let admin: CmsClient;
const tally = new FuzzTally();

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 3 });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [{ sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 10 }],
    { reason: "import", actor: "test" },
  );
  // Held by one client: no fuzzed release may give it back.
  await createInventoryHold({
    shopId: SHOP,
    requests: [{ sku: "TEE", variantKey: "size=m", quantity: 2 }],
    ttlSeconds: 3600,
    client: HOLDER,
    store: createPrismaHoldStore(db),
  });
  await createTestOperator({ databaseUrl: db.url, email: "admin@a.test", password: PASSWORD, role: "admin" });
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@a.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "viewer@a.test",
    password: PASSWORD,
    role: "viewer",
    shops: [SHOP],
  });
  cms = await startCmsForTest({ databaseUrl: db.url });
  admin = await signIn(cms, "admin@a.test", PASSWORD);
});

afterAll(async () => {
  tally.print("cms hold policy API");
  if (process.env.FUZZ_SHOW_SERVER) console.log(cms?.output());
  await cms?.stop();
  await db?.destroy();
});

/** The state tables (the shop policies among them): equal snapshots mean nothing changed. */
const snapshot = () => stateSnapshot(db);

async function storedPolicy(): Promise<Record<Field, number> | undefined> {
  const { rows } = await db.pool.query<Record<Field, number>>(
    `SELECT "maxActiveHoldsPerClient", "maxHeldUnitsPerClient", "unopenedHoldSeconds" FROM "ShopHoldPolicy" WHERE "shopId" = $1`,
    [SHOP],
  );
  return rows[0];
}

async function send(
  client: CmsClient,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await client.request(path, {
    method,
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  tally.add(`${method} ${path}`, response.status);
  return response;
}

const inRange = (field: Field, value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= RANGE[field].min && (value as number) <= RANGE[field].max;

/** Whether a body is a policy the route must store: exactly the three fields, each a whole number in range. */
function isValidPolicy(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === FIELDS.length &&
    FIELDS.every((field) => keys.includes(field) && inRange(field, (value as Record<string, unknown>)[field]))
  );
}

/** A value near or at each field's bounds, as JSON text. */
const plausible = (field: Field) =>
  fc.oneof(
    fc.constantFrom(RANGE[field].min, RANGE[field].max, RANGE[field].min - 1, RANGE[field].max + 1, 0, -1).map(String),
    fc.integer({ min: RANGE[field].min, max: RANGE[field].max }).map(String),
  );

/** Hostile headers on about one request in four. */
const maybeHeaders = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 1, arbitrary: hostileHeaders },
);

describe("PUT /api/shops/[shop]/hold-policy", () => {
  it("random bodies: stored exactly when three whole numbers in range, otherwise a 4xx naming policy fields and nothing changed", async () => {
    const body = fc.oneof(
      { weight: 4, arbitrary: hostileObject(Object.fromEntries(FIELDS.map((field) => [field, plausible(field)]))) },
      { weight: 1, arbitrary: garbageBody },
    );
    await fc.assert(
      fc.asyncProperty(body, maybeHeaders, async (text, headers) => {
        const before = await snapshot();
        const response = await send(admin, "PUT", `/api/shops/${SHOP}/hold-policy`, text, headers);
        if (response.status === 200) {
          expect(isValidPolicy(text), `stored ${text}`).toBe(true);
          const sent = JSON.parse(text) as Record<Field, number>;
          const { policy } = (await response.json()) as { policy: Record<string, unknown> };
          expect(policy).toEqual({ ...sent, isDefault: false });
          expect(await storedPolicy()).toEqual({
            maxActiveHoldsPerClient: sent.maxActiveHoldsPerClient,
            maxHeldUnitsPerClient: sent.maxHeldUnitsPerClient,
            unopenedHoldSeconds: sent.unopenedHoldSeconds,
          });
          return;
        }
        // Hostile headers may make it a cross-site request (403) before validation.
        if (Object.keys(headers).length === 0)
          expect(isValidPolicy(text), `refused a valid policy ${text}: ${response.status}`).toBe(false);
        const refusal = await expectRefusal(response, [400, 403, 413], `PUT ${text.slice(0, 200)}`);
        if (response.status === 400 && refusal.code === "validation_failed") {
          for (const error of refusal.errors!)
            expect(error.field, text).toMatch(
              /^(policy(\.(maxActiveHoldsPerClient|maxHeldUnitsPerClient|unopenedHoldSeconds))?|body)$/,
            );
        }
        expect(await snapshot()).toEqual(before);
      }),
      {
        numRuns: RUNS.bodies,
        examples: [
          ['{"maxActiveHoldsPerClient":10,"maxHeldUnitsPerClient":200,"unopenedHoldSeconds":300}', {}],
          ['{"maxActiveHoldsPerClient":10,"maxHeldUnitsPerClient":200,"unopenedHoldSeconds":300,"isDefault":true}', {}],
          [
            '{"maxActiveHoldsPerClient":10,"maxHeldUnitsPerClient":200,"unopenedHoldSeconds":300,"__proto__":{"isDefault":true}}',
            {},
          ],
          ["[10,200,300]", {}],
        ],
      },
    );
  });

  it("each value: stored exactly when a whole JSON number in its range, else 400 on policy.<field> with the reason", async () => {
    const field = fc.constantFrom(...FIELDS);
    const raw = fc.oneof(
      hostileJson,
      ...FIELDS.map(plausible),
      fc.constantFrom("1.5", "1e400", "-1e400", "60.0", "1800.5", "1e2", '"60"', "null"),
    );
    await fc.assert(
      fc.asyncProperty(field, raw, async (name, value) => {
        const others = { maxActiveHoldsPerClient: 7, maxHeldUnitsPerClient: 70, unopenedHoldSeconds: 420 };
        const text = `{${FIELDS.map((f) => `${JSON.stringify(f)}:${f === name ? value : others[f]}`).join(",")}}`;
        const parsed: unknown = JSON.parse(value);
        const before = await snapshot();
        const response = await send(admin, "PUT", `/api/shops/${SHOP}/hold-policy`, text);
        if (inRange(name, parsed)) {
          expect(response.status, `${name}=${value} refused: ${await response.clone().text()}`).toBe(200);
          expect((await storedPolicy())?.[name]).toBe(parsed + 0);
          return;
        }
        const refusal = await expectRefusal(response, [400, 413], `${name}=${value.slice(0, 80)}`);
        if (response.status === 400) {
          // One field, each reason in words ("9007199254740993" is both unsafe as a whole number and too large).
          expect(refusal.errors?.length, `${name}=${value}`).toBeGreaterThan(0);
          const reason: unknown = expect.stringMatching(/^(must be|is required)/);
          for (const error of refusal.errors!)
            expect(error, `${name}=${value}`).toEqual({ field: `policy.${name}`, message: reason });
        } else {
          expect(refusal.code).toBe("payload_too_large");
        }
        expect(await snapshot()).toEqual(before);
      }),
      {
        numRuns: RUNS.values,
        examples: [
          ["maxActiveHoldsPerClient", "0"],
          ["maxActiveHoldsPerClient", "-1"],
          ["maxHeldUnitsPerClient", "1.5"],
          ["maxHeldUnitsPerClient", "1000001"],
          ["unopenedHoldSeconds", "59"],
          ["unopenedHoldSeconds", "1801"],
          ["unopenedHoldSeconds", '"300"'],
          ["maxActiveHoldsPerClient", "1e400"],
          ["maxHeldUnitsPerClient", "9007199254740993"],
          ["unopenedHoldSeconds", "-0"],
        ],
      },
    );
  });

  it("refuses missing fields by name, other roles, forged and oversized requests, changing nothing", async () => {
    const others = [await signIn(cms, "editor@a.test", PASSWORD), await signIn(cms, "viewer@a.test", PASSWORD)];
    const before = await snapshot();
    const missing = await send(admin, "PUT", `/api/shops/${SHOP}/hold-policy`, '{"maxActiveHoldsPerClient":5}');
    expect((await expectRefusal(missing, [400], "missing fields")).errors).toEqual([
      { field: "policy.maxHeldUnitsPerClient", message: "is required" },
      { field: "policy.unopenedHoldSeconds", message: "is required" },
    ]);
    const notJson = await send(admin, "PUT", `/api/shops/${SHOP}/hold-policy`, "maxActiveHoldsPerClient=5");
    expect((await expectRefusal(notJson, [400], "not JSON")).errors).toEqual([
      { field: "body", message: "not valid JSON" },
    ]);
    const good = JSON.stringify({ maxActiveHoldsPerClient: 2, maxHeldUnitsPerClient: 2, unopenedHoldSeconds: 60 });
    for (const other of others) {
      expect(
        (
          await expectRefusal(
            await send(other, "PUT", `/api/shops/${SHOP}/hold-policy`, good),
            [403],
            "editor or viewer",
          )
        ).code,
      ).toBe("forbidden");
      // Reading it is allowed.
      const read = await other.request(`/api/shops/${SHOP}/hold-policy`);
      expect(read.status).toBe(200);
    }
    for (const init of [{ csrf: false }, { origin: "https://evil.example" }, { origin: null }]) {
      const forged = await admin.request(`/api/shops/${SHOP}/hold-policy`, {
        method: "PUT",
        body: good,
        headers: { "content-type": "application/json" },
        ...init,
      });
      tally.add(`PUT /api/shops/${SHOP}/hold-policy`, forged.status);
      expect((await expectRefusal(forged, [403], `forged ${JSON.stringify(init)}`)).code).toBe("forbidden");
    }
    const huge = `{"maxActiveHoldsPerClient":5,"maxHeldUnitsPerClient":5,"unopenedHoldSeconds":60,"pad":"${"x".repeat(5000)}"}`;
    expect(
      (await expectRefusal(await send(admin, "PUT", `/api/shops/${SHOP}/hold-policy`, huge), [413], "a 5 KB body"))
        .code,
    ).toBe("payload_too_large");
    const host = new URL(cms.url).host;
    const head = (extra: string) =>
      `PUT /api/shops/${SHOP}/hold-policy HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${cms.url}\r\nCookie: ${admin.cookie}\r\nX-CSRF-Token: ${admin.csrfToken}\r\nContent-Type: application/json\r\nConnection: close\r\n${extra}\r\n`;
    const declared = await rawHttp(cms.url, head("Content-Length: 1000000000\r\n"), good);
    expect(declared.status).toBe(413);
    const padded = `{"maxActiveHoldsPerClient":5,"pad":"${"x".repeat(8192)}"}`;
    const chunked = await rawHttp(
      cms.url,
      head("Transfer-Encoding: chunked\r\n"),
      `${padded.length.toString(16)}\r\n${padded}\r\n0\r\n\r\n`,
    );
    expect(chunked.status).toBe(413);
    tally.add(`PUT /api/shops/${SHOP}/hold-policy`, declared.status);
    tally.add(`PUT /api/shops/${SHOP}/hold-policy`, chunked.status);
    expect(await snapshot()).toEqual(before);
  });

  it("reads back what was stored, and the defaults for a shop that set none", async () => {
    const set = { maxActiveHoldsPerClient: 3, maxHeldUnitsPerClient: 30, unopenedHoldSeconds: 90 };
    expect((await send(admin, "PUT", `/api/shops/${SHOP}/hold-policy`, JSON.stringify(set))).status).toBe(200);
    expect(await (await admin.request(`/api/shops/${SHOP}/hold-policy`)).json()).toEqual({
      policy: { ...set, isDefault: false },
    });
    expect(await (await admin.request(`/api/shops/shop-b/hold-policy`)).json()).toEqual({
      policy: DEFAULT_HOLD_POLICY,
    });
  });
});

describe("POST /api/shops/[shop]/clients/release", () => {
  it("hostile clients and keys: a 4xx naming the field, or 200 releasing nothing; the client's hold stays", async () => {
    const key = fc.oneof(
      fc.constantFrom(
        '"00000000000000000000000000000000"',
        JSON.stringify(HOLDER.address!.toUpperCase()),
        JSON.stringify(HOLDER.address!.slice(0, 31)),
        JSON.stringify(`${HOLDER.address} `),
      ),
      fc
        .stringMatching(/^[0-9a-f]{32}$/)
        .filter((k) => k !== HOLDER.address && k !== HOLDER.buyer)
        .map((k) => JSON.stringify(k)),
    );
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: hostileObject({ client: fc.constantFrom('"address"', '"buyer"', '"ADDRESS"', '"both"'), key }),
      },
      { weight: 1, arbitrary: garbageBody },
    );
    const editor = await signIn(cms, "editor@a.test", PASSWORD);
    await fc.assert(
      fc.asyncProperty(body, maybeHeaders, async (text, headers) => {
        const before = await snapshot();
        const response = await send(editor, "POST", `/api/shops/${SHOP}/clients/release`, text, headers);
        if (response.status === 200) {
          expect(await response.json(), text).toEqual({ holdIds: [], units: 0 });
        } else {
          const refusal = await expectRefusal(response, [400, 403, 413], `release ${text.slice(0, 200)}`);
          if (refusal.code === "validation_failed")
            for (const error of refusal.errors!) expect(error.field, text).toMatch(/^(client|key|\(root\)|body)$/);
        }
        expect(await snapshot()).toEqual(before);
      }),
      {
        numRuns: RUNS.release,
        examples: [
          ['{"client":"address","key":"0"}', {}],
          ['{"client":"address"}', {}],
          ['{"client":"buyer","key":null,"extra":1}', {}],
        ],
      },
    );
  });

  it("releases the named client's holds once, by the operator, and nothing the second time", async () => {
    const body = JSON.stringify({ client: "buyer", key: HOLDER.buyer });
    const first = await send(admin, "POST", `/api/shops/${SHOP}/clients/release`, body);
    expect(first.status).toBe(200);
    const { holdIds, units } = (await first.json()) as { holdIds: string[]; units: number };
    expect({ holds: holdIds.length, units }).toEqual({ holds: 1, units: 2 });
    const { rows } = await db.pool.query<{ reason: string; delta: number; actor: string; holdId: string }>(
      `SELECT reason, delta, actor, "holdId" FROM "StockLedgerEntry" WHERE "shopId" = $1 AND reason = 'hold_release'`,
      [SHOP],
    );
    expect(rows).toEqual([{ reason: "hold_release", delta: 0, actor: "admin@a.test", holdId: holdIds[0] }]);
    const before = await snapshot();
    const again = await send(admin, "POST", `/api/shops/${SHOP}/clients/release`, body);
    expect(await again.json()).toEqual({ holdIds: [], units: 0 });
    expect(await snapshot()).toEqual(before);
  });
});
