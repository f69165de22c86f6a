import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../src/db/prisma-client.ts";
import { createDatabaseStripePacer } from "../src/checkout/stripe-pacer.ts";
import { getEnv } from "../src/env.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// Vitest types its asymmetric matchers `any`; held as `unknown`, this one stands in
// an expected slot without leaking `any` into it.
const someMs: unknown = expect.any(Number);

// Pacing Stripe calls across instances: several processes' worth of pools
// (each its own connection pool, as serverless instances are) take slots
// from the one PostgreSQL row per key at once. The slots they are given must
// never put more calls into any second than the rate allows.

const env = { ...getEnv({}), STRIPE_GLOBAL_RATE_PER_SECOND: 100, STRIPE_ENDPOINT_RATE_PER_SECOND: 25 };
let db: TestDatabase;
const instances: Database[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  for (let i = 0; i < 4; i++) instances.push(createDatabase({ url: db.url, poolSize: 5 }));
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  await db?.destroy();
});

describe("stripe_pace_take across instances", () => {
  it("120 concurrent callers on 4 instances get slots 40 ms apart (25/s), and a caller that cannot wait gets none", async () => {
    const pacers = instances.map((instance) => createDatabaseStripePacer(instance, env));
    const started = Date.now();
    const slots = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        const asked = Date.now();
        const slot = await pacers[i % pacers.length]!.take("create_checkout_session", 10_000);
        return "waitMs" in slot ? asked + slot.waitMs : null;
      }),
    );
    const taken = slots.filter((at): at is number => at !== null);
    // 120 slots need 4.8 s at 25/s: those within the 10 s wait all got one.
    expect(taken).toHaveLength(120);
    // Each slot is 40 ms after the one before, whenever its caller came: the endpoint's next slot
    // is at least 120 × 40 ms after the first caller asked (the database's clock, this host's too).
    const account = createHash("sha256").update("emulator").digest("hex").slice(0, 16);
    const { rows } = await db.pool.query<{ next: Date }>(
      `SELECT "nextAt" AS next FROM "StripeRatePace" WHERE key = $1`,
      [`stripe:${account}:create_checkout_session`],
    );
    expect(rows[0]!.next.getTime() - started).toBeGreaterThanOrEqual(120 * 40 - 5);

    // The next slot is seconds away: a caller allowed 100 ms gets none, and is told how long until one.
    const refused = await pacers[0]!.take("create_checkout_session", 100);
    expect(refused).toMatchObject({ retryInMs: someMs });
    expect((refused as { retryInMs: number }).retryInMs).toBeGreaterThan(100);
    // Another endpoint has its own budget: slots taken seconds ahead spend the account's global
    // budget (100/s) only in their own seconds, so an expire call now waits for nothing.
    expect(await pacers[1]!.take("expire_checkout_session", 0)).toEqual({ waitMs: 0 });
  });

  it("the account's global budget is counted per second across endpoints", async () => {
    const small = { ...env, STRIPE_SECRET_KEY: "sk_test_small_account", STRIPE_GLOBAL_RATE_PER_SECOND: 5 };
    const [a, b] = instances.map((instance) => createDatabaseStripePacer(instance, small));
    const waits = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const slot = await (i % 2 ? a! : b!).take(i % 2 ? "create_checkout_session" : "expire_checkout_session", 5_000);
        return "waitMs" in slot ? slot.waitMs : -1;
      }),
    );
    // Ten calls at 5 a second: no second gets more than 5 (each endpoint still spaced at 25/s, so a
    // burst that begins as a second ends spreads over three).
    expect(waits.every((wait) => wait >= 0 && wait < 2_100)).toBe(true);
    const account = createHash("sha256").update("sk_test_small_account").digest("hex").slice(0, 16);
    const { rows } = await db.pool.query<{ calls: number }>(
      `SELECT calls FROM "StripeRateWindow" WHERE key = $1 ORDER BY second`,
      [`stripe:${account}:global`],
    );
    const perSecond = rows.map((row) => row.calls);
    expect(perSecond.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...perSecond)).toBe(5);
  });

  it("a 429 pauses the endpoint for every instance", async () => {
    const [a, b] = instances.map((instance) =>
      createDatabaseStripePacer(instance, { ...env, STRIPE_SECRET_KEY: "sk_test_another_account" }),
    );
    expect(await a!.take("create_checkout_session", 0)).toEqual({ waitMs: 0 });
    await a!.defer("create_checkout_session", 2_000, "endpoint");
    const slot = await b!.take("create_checkout_session", 500);
    expect(slot).toMatchObject({ retryInMs: someMs });
    expect((slot as { retryInMs: number }).retryInMs).toBeGreaterThan(1_500);
    // The account's other endpoint is not paused by an endpoint limit.
    expect(await b!.take("expire_checkout_session", 100)).toMatchObject({ waitMs: someMs });
  });
});
