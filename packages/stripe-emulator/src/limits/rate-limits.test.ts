import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { sessionParams, startFixture, TEST_SECRET_KEY, type Fixture } from "../test-fixture.ts";
import { STRIPE_LIVE_LIMITS, STRIPE_SANDBOX_LIMITS } from "./stripe-limits.ts";
import { TokenBucket } from "./token-bucket.ts";

let fixture: Fixture | undefined;
/** A limiter clock that never moves: buckets refill only when a test says so. */
const frozen = () => 0;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

async function caught(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as Stripe.errors.StripeError;
}

async function settle<T>(promises: Promise<T>[]): Promise<{ ok: T[]; failed: Stripe.errors.StripeError[] }> {
  const results = await Promise.allSettled(promises);
  return {
    ok: results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
    failed: results.flatMap((r) => (r.status === "rejected" ? [r.reason as Stripe.errors.StripeError] : [])),
  };
}

describe("TokenBucket", () => {
  it("bursts up to its rate, then refills at that rate", () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 4, clock: () => now });
    for (let i = 0; i < 4; i++) {
      expect(bucket.hasToken()).toBe(true);
      bucket.take();
    }
    expect(bucket.hasToken()).toBe(false);
    now += 249;
    expect(bucket.hasToken()).toBe(false);
    now += 1;
    expect(bucket.hasToken()).toBe(true);
    bucket.take();
    // Idle time never fills it past its capacity.
    now += 60_000;
    for (let i = 0; i < 4; i++) {
      expect(bucket.hasToken()).toBe(true);
      bucket.take();
    }
    expect(bucket.hasToken()).toBe(false);
  });
});

describe("rate limits", () => {
  it("default to Stripe's sandbox limits: a burst past 25 creations a second gets 429s", async () => {
    let now = 0;
    fixture = await startFixture({ limiterClock: () => now });
    expect(fixture.emulator.limits()).toEqual(STRIPE_SANDBOX_LIMITS);
    expect(STRIPE_SANDBOX_LIMITS).toMatchObject({ globalPerSecond: 25, endpointPerSecond: 25 });
    expect(STRIPE_LIVE_LIMITS).toMatchObject({ globalPerSecond: 100, endpointPerSecond: 25 });

    const outcomes: Array<"ok" | number> = [];
    for (let i = 0; i < 30; i++) {
      outcomes.push(
        await fixture.stripe.checkout.sessions.create(sessionParams()).then(
          () => "ok" as const,
          (error: Stripe.errors.StripeError) => error.statusCode ?? 0,
        ),
      );
    }
    // The clock stood still: exactly one second's worth got through.
    expect(outcomes).toEqual([...Array<"ok">(25).fill("ok"), ...Array<number>(5).fill(429)]);
    expect(fixture.emulator.throttled()).toEqual({ "global-rate": 0, "endpoint-rate": 5, "global-concurrency": 0 });
    expect(fixture.emulator.sessions()).toHaveLength(25);

    // 200 ms later, 5 more tokens.
    now += 200;
    const later = await settle(
      Array.from({ length: 6 }, () => fixture!.stripe.checkout.sessions.create(sessionParams())),
    );
    expect([later.ok.length, later.failed.length]).toEqual([5, 1]);
  });

  it("answer as Stripe does: 429, invalid_request_error, Stripe-Rate-Limited-Reason, Request-Id; the SDK raises StripeRateLimitError and does not retry", async () => {
    fixture = await startFixture({
      limits: { globalPerSecond: 100, endpointPerSecond: 1, concurrency: Infinity },
      limiterClock: frozen,
    });
    // The SDK's default (2 retries) is left on: it must not retry a 429.
    const stripe = new Stripe(TEST_SECRET_KEY, fixture.emulator.stripeConfig);
    await stripe.checkout.sessions.create(sessionParams());
    const before = fixture.emulator.requests().length;
    const error = await caught(stripe.checkout.sessions.create(sessionParams()));

    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, rawType: "invalid_request_error", type: "StripeRateLimitError" });
    expect(error.code).toBeUndefined();
    expect(error.requestId).toMatch(/^req_/);
    expect(error.headers?.["stripe-rate-limited-reason"]).toBe("endpoint-rate");
    expect(error.headers?.["request-id"]).toBe(error.requestId);
    expect(error.headers?.["stripe-should-retry"]).toBeUndefined();
    expect(error.headers?.["retry-after"]).toBeUndefined();
    expect(error.message).toMatch(/^Request rate limit exceeded/);

    const attempts = fixture.emulator.requests().slice(before);
    expect(attempts.map((a) => [a.method, a.path, a.status, a.rateLimited])).toEqual([
      ["POST", "/v1/checkout/sessions", 429, "endpoint-rate"],
    ]);

    const raw = await fetch(`${fixture.emulator.url}/v1/checkout/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_SECRET_KEY}`, "content-type": "application/x-www-form-urlencoded" },
      body: "mode=payment",
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("stripe-rate-limited-reason")).toBe("endpoint-rate");
    expect(await raw.json()).toEqual({
      error: {
        type: "invalid_request_error",
        message: "Request rate limit exceeded. Learn more about rate limits here https://docs.stripe.com/rate-limits.",
      },
    });
  });

  it("count each endpoint (method + path template) separately, every id sharing one", async () => {
    fixture = await startFixture({
      limits: { globalPerSecond: 100, endpointPerSecond: 2, concurrency: Infinity },
      limiterClock: frozen,
    });
    const { stripe } = fixture;
    const [a, b] = [
      await stripe.checkout.sessions.create(sessionParams()),
      await stripe.checkout.sessions.create(sessionParams()),
    ];
    expect(
      (await caught(stripe.checkout.sessions.create(sessionParams()))).headers?.["stripe-rate-limited-reason"],
    ).toBe("endpoint-rate");

    // GET /v1/checkout/sessions/:id is one endpoint for both ids.
    await stripe.checkout.sessions.retrieve(a.id);
    await stripe.checkout.sessions.retrieve(b.id);
    expect((await caught(stripe.checkout.sessions.retrieve(a.id))).statusCode).toBe(429);

    // POST /v1/checkout/sessions/:id/expire is another endpoint, with its own bucket.
    expect((await stripe.checkout.sessions.expire(a.id)).status).toBe("expired");
    expect((await stripe.checkout.sessions.list({ limit: 1 })).data).toHaveLength(1);
    expect(fixture.emulator.throttled()).toMatchObject({ "endpoint-rate": 2, "global-rate": 0 });
  });

  it("count every endpoint against the global limit", async () => {
    fixture = await startFixture({
      limits: { globalPerSecond: 3, endpointPerSecond: 100, concurrency: Infinity },
      limiterClock: frozen,
    });
    const { stripe } = fixture;
    const session = await stripe.checkout.sessions.create(sessionParams());
    await stripe.checkout.sessions.retrieve(session.id);
    await stripe.checkout.sessions.listLineItems(session.id);
    const error = await caught(stripe.checkout.sessions.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error.headers?.["stripe-rate-limited-reason"]).toBe("global-rate");
  });

  it("refill at the configured rate", async () => {
    let now = 0;
    fixture = await startFixture({
      limits: { globalPerSecond: 100, endpointPerSecond: 10, concurrency: Infinity },
      limiterClock: () => now,
    });
    const { stripe } = fixture;
    const burst = await settle(Array.from({ length: 12 }, () => stripe.checkout.sessions.list({ limit: 1 })));
    expect(burst.ok).toHaveLength(10);
    expect(burst.failed.map((e) => e.statusCode)).toEqual([429, 429]);
    now += 99;
    expect((await caught(stripe.checkout.sessions.list({ limit: 1 }))).statusCode).toBe(429);
    now += 1;
    expect((await stripe.checkout.sessions.list({ limit: 1 })).object).toBe("list");
  });

  it("limit requests in flight, counting the emulator's latency", async () => {
    fixture = await startFixture({
      limits: { globalPerSecond: Infinity, endpointPerSecond: Infinity, concurrency: 2 },
      latencyMs: 400,
    });
    const { stripe } = fixture;
    const session = await stripe.checkout.sessions.create(sessionParams());
    const wave = await settle(Array.from({ length: 5 }, () => stripe.checkout.sessions.retrieve(session.id)));
    expect(wave.ok).toHaveLength(2);
    expect(wave.failed).toHaveLength(3);
    for (const error of wave.failed) {
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error.headers?.["stripe-rate-limited-reason"]).toBe("global-concurrency");
    }
    // Once those responses are out, the slots are free again.
    expect((await stripe.checkout.sessions.retrieve(session.id)).id).toBe(session.id);
    expect(fixture.emulator.throttled()["global-concurrency"]).toBe(3);
  });

  it("never save a throttled request under its idempotency key, as Stripe saves only requests an endpoint began", async () => {
    fixture = await startFixture({
      limits: { globalPerSecond: 100, endpointPerSecond: 1, concurrency: Infinity },
      limiterClock: frozen,
    });
    const { stripe, emulator } = fixture;
    await stripe.checkout.sessions.create(sessionParams());
    const params = sessionParams();
    const key = `throttled-${Date.now()}`;
    expect((await caught(stripe.checkout.sessions.create(params, { idempotencyKey: key }))).statusCode).toBe(429);

    emulator.setLimits(false);
    expect(emulator.limits()).toBe(false);
    const retried = await stripe.checkout.sessions.create(params, { idempotencyKey: key });
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(emulator.sessions().map((s) => s.id)).toContain(retried.id);
    // From now on that key holds the session.
    const replay = await stripe.checkout.sessions.create(params, { idempotencyKey: key });
    expect(replay).toMatchObject({ id: retried.id });
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
  });

  it("can be changed while running", async () => {
    fixture = await startFixture({ limits: false, limiterClock: frozen });
    const { stripe, emulator } = fixture;
    for (let i = 0; i < 30; i++) await stripe.checkout.sessions.list({ limit: 1 });
    emulator.setLimits({ ...STRIPE_LIVE_LIMITS, endpointPerSecond: 1 });
    await stripe.checkout.sessions.list({ limit: 1 });
    expect((await caught(stripe.checkout.sessions.list({ limit: 1 }))).statusCode).toBe(429);
    expect(() => emulator.setLimits({ globalPerSecond: 0, endpointPerSecond: 1, concurrency: 1 })).toThrow(
      /globalPerSecond/,
    );
  });
});

describe("setOutage", () => {
  it("fails every API request in the middle of a burst with Stripe's api_error, saving nothing under idempotency keys", async () => {
    fixture = await startFixture({ limits: false });
    const { emulator } = fixture;
    const stripe = new Stripe(TEST_SECRET_KEY, { ...emulator.stripeConfig, maxNetworkRetries: 0 });
    const attempts: Array<{ key: string; params: Stripe.Checkout.SessionCreateParams; outcome: string }> = [];
    for (let i = 0; i < 9; i++) {
      if (i === 3) emulator.setOutage(503);
      if (i === 6) emulator.setOutage(null);
      const key = `burst-${i}-${Date.now()}`;
      const params = sessionParams({ client_reference_id: `order_${i}` });
      const outcome = await stripe.checkout.sessions.create(params, { idempotencyKey: key }).then(
        (session) => session.id,
        (error: Stripe.errors.StripeError) => {
          expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
          expect(error).toMatchObject({ statusCode: 503, rawType: "api_error" });
          expect(error.requestId).toMatch(/^req_/);
          return "503";
        },
      );
      attempts.push({ key, params, outcome });
    }
    expect(attempts.map((a) => a.outcome === "503")).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(emulator.sessions()).toHaveLength(6);
    expect(emulator.requests().map((r) => r.status)).toEqual([200, 200, 200, 503, 503, 503, 200, 200, 200]);

    // Nothing ran during the outage, so the same keys now create the sessions.
    for (const { key, params } of attempts.filter((a) => a.outcome === "503")) {
      const session = await stripe.checkout.sessions.create(params, { idempotencyKey: key });
      expect(session.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    }
    expect(emulator.sessions()).toHaveLength(9);
    // The hosted page is not part of the API and stays up.
    emulator.setOutage(500);
    const first = emulator.sessions()[0];
    expect((await fetch(first?.url ?? "")).status).toBe(200);
    expect(() => emulator.setOutage(200)).toThrow(/HTTP error status/);
  });

  it("lets the SDK's own retry of a 5xx through once the outage ends, with the same idempotency key", async () => {
    fixture = await startFixture({ limits: false });
    const { emulator, stripe } = fixture;
    emulator.setOutage(503);
    const pending = stripe.checkout.sessions.create(sessionParams());
    while (emulator.requests().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    emulator.setOutage(null);
    const session = await pending;
    expect(session.status).toBe("open");
    const [failed, succeeded] = emulator.requests();
    expect([failed?.status, succeeded?.status]).toEqual([503, 200]);
    expect(failed?.idempotencyKey).toBe(succeeded?.idempotencyKey);
  });
});
