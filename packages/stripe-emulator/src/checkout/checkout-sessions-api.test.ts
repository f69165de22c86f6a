import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nowSeconds, sessionParams, startFixture, TEST_SECRET_KEY, type Fixture } from "../test-fixture.ts";

let fixture: Fixture;
let stripe: Stripe;

beforeAll(async () => {
  // These tests share one emulator and create ~40 sessions in about a second,
  // past the sandbox's 25 per second: limits are off here, and tested in
  // limits/rate-limits.test.ts.
  fixture = await startFixture({ limits: false });
  stripe = fixture.stripe;
});
afterAll(() => fixture.stop());

async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as Stripe.errors.StripeError;
}

describe("POST /v1/checkout/sessions through the official SDK", () => {
  it("creates an open, unpaid session shaped like Stripe's", async () => {
    const expiresAt = nowSeconds() + 45 * 60;
    const session = await stripe.checkout.sessions.create(
      sessionParams({ expires_at: expiresAt, customer_email: "ada@example.com" }),
    );
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]{58}$/);
    expect(session).toMatchObject({
      object: "checkout.session",
      mode: "payment",
      status: "open",
      payment_status: "unpaid",
      amount_total: 5500,
      amount_subtotal: 5500,
      currency: "usd",
      expires_at: expiresAt,
      livemode: false,
      metadata: { shop_id: "cover-me-pretty", inventory_reservation_id: "hold_123" },
      client_reference_id: "hold_123",
      customer_email: "ada@example.com",
      success_url: "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://shop.test/cart",
      payment_intent: null,
      url: `${fixture.emulator.publicUrl}/checkout/${session.id}`,
    });
    expect(Math.abs(session.created - nowSeconds())).toBeLessThanOrEqual(2);
    expect(session.line_items).toBeUndefined();
    expect(session.lastResponse.statusCode).toBe(200);
    expect(session.lastResponse.requestId).toMatch(/^req_/);
  });

  it("speaks the pinned API version's enums: ui_mode hosted_page, not the older hosted", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    expect(session).toMatchObject({
      ui_mode: "hosted_page",
      discounts: [],
      allow_promotion_codes: null,
      total_details: { amount_discount: 0 },
    });
    expect((await stripe.checkout.sessions.create(sessionParams({ ui_mode: "hosted_page" }))).ui_mode).toBe(
      "hosted_page",
    );
    const old = await stripeError(stripe.checkout.sessions.create(sessionParams({ ui_mode: "hosted" })));
    expect(old).toMatchObject({
      statusCode: 400,
      param: "ui_mode",
      message: "Invalid ui_mode: must be one of elements, embedded_page, form, or hosted_page",
    });
    const embedded = await stripeError(stripe.checkout.sessions.create(sessionParams({ ui_mode: "embedded_page" })));
    expect(embedded).toMatchObject({ statusCode: 400, param: "ui_mode" });
  });

  it("defaults expires_at to 24 hours and expands line items on request", async () => {
    const { expires_at: _omit, ...params } = sessionParams();
    const session = await stripe.checkout.sessions.create({ ...params, expand: ["line_items"] });
    expect(session.expires_at - session.created).toBe(24 * 60 * 60);
    expect(session.line_items?.data).toHaveLength(2);
    expect(session.line_items?.data[0]).toMatchObject({
      object: "item",
      description: "Linen shirt (M, blue)",
      quantity: 2,
      amount_total: 2500,
      currency: "usd",
      price: { object: "price", unit_amount: 1250, currency: "usd", type: "one_time" },
    });
  });

  it("enforces Stripe's expires_at window: 30 minutes to 24 hours from creation", async () => {
    const tooSoon = await stripeError(
      stripe.checkout.sessions.create(sessionParams({ expires_at: nowSeconds() + 29 * 60 })),
    );
    expect(tooSoon).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooSoon).toMatchObject({
      statusCode: 400,
      rawType: "invalid_request_error",
      param: "expires_at",
      message: "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
    });
    const tooLate = await stripeError(
      stripe.checkout.sessions.create(sessionParams({ expires_at: nowSeconds() + 24 * 60 * 60 + 60 })),
    );
    expect(tooLate).toMatchObject({ statusCode: 400, param: "expires_at" });
    expect(tooLate.message).toContain("less than 24 hours");

    const atMinimum = await stripe.checkout.sessions.create(sessionParams({ expires_at: nowSeconds() + 31 * 60 }));
    expect(atMinimum.status).toBe("open");
  });

  it("applies Stripe's metadata limits and drops empty values", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams({ metadata: { shop_id: "x", removed: "" } }));
    expect(session.metadata).toEqual({ shop_id: "x" });

    const longValue = await stripeError(
      stripe.checkout.sessions.create(sessionParams({ metadata: { lines: "a".repeat(501) } })),
    );
    expect(longValue).toMatchObject({ statusCode: 400, param: "metadata[lines]" });

    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    const manyKeys = await stripeError(stripe.checkout.sessions.create(sessionParams({ metadata: tooMany })));
    expect(manyKeys).toMatchObject({ statusCode: 400, param: "metadata" });
  });

  it("rejects bad line items, unknown parameters and mixed currencies like Stripe", async () => {
    const noItems = await stripeError(stripe.checkout.sessions.create(sessionParams({ line_items: [] })));
    expect(noItems).toMatchObject({ statusCode: 400, param: "line_items" });

    const noName = await stripeError(
      stripe.checkout.sessions.create(
        sessionParams({
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: "usd",
                unit_amount: 500,
                product_data: { description: "no name" } as unknown as { name: string },
              },
            },
          ],
        }),
      ),
    );
    expect(noName).toMatchObject({ statusCode: 400, param: "line_items[0][price_data][product_data][name]" });

    const unknown = await stripeError(
      stripe.checkout.sessions.create({
        ...sessionParams(),
        metdata: { a: "b" },
      } as Stripe.Checkout.SessionCreateParams),
    );
    expect(unknown).toMatchObject({
      statusCode: 400,
      param: "metdata",
      message: "Received unknown parameter: metdata",
    });

    const mixed = await stripeError(
      stripe.checkout.sessions.create(
        sessionParams({
          line_items: [
            { quantity: 1, price_data: { currency: "usd", unit_amount: 500, product_data: { name: "A" } } },
            { quantity: 1, price_data: { currency: "eur", unit_amount: 500, product_data: { name: "B" } } },
          ],
        }),
      ),
    );
    expect(mixed).toMatchObject({ statusCode: 400, param: "line_items[1][price_data][currency]" });

    const tooSmall = await stripeError(
      stripe.checkout.sessions.create(
        sessionParams({
          line_items: [
            { quantity: 1, price_data: { currency: "usd", unit_amount: 20, product_data: { name: "Sticker" } } },
          ],
        }),
      ),
    );
    expect(tooSmall).toMatchObject({ statusCode: 400, code: "amount_too_small" });
  });

  it("requires a Bearer sk_test_ key (401 otherwise)", async () => {
    const live = new Stripe("sk_live_not_accepted", { ...fixture.emulator.stripeConfig, maxNetworkRetries: 0 });
    const error = await stripeError(live.checkout.sessions.create(sessionParams()));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);

    const none = await fetch(`${fixture.emulator.url}/v1/checkout/sessions`, { method: "POST" });
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("You did not provide an API key");

    const basic = await fetch(`${fixture.emulator.url}/v1/checkout/sessions/cs_test_x`, {
      headers: { authorization: `Basic ${Buffer.from(`${TEST_SECRET_KEY}:`).toString("base64")}` },
    });
    expect(basic.status).toBe(401);
  });

  it("replays the first response for a repeated Idempotency-Key and refuses it for other parameters", async () => {
    const key = `checkout-${Date.now()}`;
    const first = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: key });
    const second = await stripe.checkout.sessions.create(sessionParams({ expires_at: first.expires_at }), {
      idempotencyKey: key,
    });
    // The first call's params had their own expires_at: repeat them exactly.
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(fixture.emulator.sessions().filter((s) => s.id === first.id)).toHaveLength(1);

    const mismatch = await stripeError(
      stripe.checkout.sessions.create(sessionParams({ expires_at: first.expires_at, client_reference_id: "other" }), {
        idempotencyKey: key,
      }),
    );
    expect(mismatch).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(mismatch).toMatchObject({ statusCode: 400, rawType: "idempotency_error" });
  });

  it("keeps a slow response under its idempotency key, so a client that timed out gets the same session", async () => {
    const impatient = new Stripe(TEST_SECRET_KEY, {
      ...fixture.emulator.stripeConfig,
      timeout: 100,
      maxNetworkRetries: 0,
    });
    const params = sessionParams();
    const key = `slow-${Date.now()}`;
    const before = fixture.emulator.sessions().length;
    fixture.emulator.setLatency(300);
    try {
      const timedOut = await stripeError(impatient.checkout.sessions.create(params, { idempotencyKey: key }));
      expect(timedOut).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    } finally {
      fixture.emulator.setLatency(0);
    }
    const retried = await stripe.checkout.sessions.create(params, { idempotencyKey: key });
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(fixture.emulator.sessions().length).toBe(before + 1);
  });

  it("retrieves a session, with line items on request", async () => {
    const created = await stripe.checkout.sessions.create(sessionParams());
    const retrieved = await stripe.checkout.sessions.retrieve(created.id, { expand: ["line_items"] });
    expect(retrieved.id).toBe(created.id);
    expect(retrieved.line_items?.data.map((line) => line.quantity)).toEqual([2, 1]);

    const lines = await stripe.checkout.sessions.listLineItems(created.id, { expand: ["data.price.product"] });
    const product = lines.data[1]?.price?.product as Stripe.Product;
    expect(product).toMatchObject({ object: "product", name: "Canvas tote" });

    const missing = await stripeError(stripe.checkout.sessions.retrieve("cs_test_missing"));
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing", param: "session" });
  });

  it("expires an open session once and announces it with checkout.session.expired", async () => {
    const created = await stripe.checkout.sessions.create(sessionParams());
    const expired = await stripe.checkout.sessions.expire(created.id);
    expect(expired).toMatchObject({ id: created.id, status: "expired", payment_status: "unpaid", url: null });

    const again = await stripeError(stripe.checkout.sessions.expire(created.id));
    expect(again).toMatchObject({ statusCode: 400, rawType: "invalid_request_error" });

    await fixture.emulator.idle();
    const events = fixture.emulator.events().filter((event) => event.data.object.id === created.id);
    expect(events.map((event) => event.type)).toEqual(["checkout.session.expired"]);
    expect(events[0]?.request.id).toMatch(/^req_/);
  });

  it("lists sessions newest first, pages with starting_after and filters by status", async () => {
    const [first, second, third] = [
      await stripe.checkout.sessions.create(sessionParams()),
      await stripe.checkout.sessions.create(sessionParams()),
      await stripe.checkout.sessions.create(sessionParams()),
    ] as const;
    const ours = new Set([first.id, second.id, third.id]);
    const all = await stripe.checkout.sessions.list({ limit: 100 });
    expect(all.data.map((session) => session.id).filter((id) => ours.has(id))).toEqual([third.id, second.id, first.id]);
    expect(all.data[0]?.id).toBe(third.id); // nothing created later than the last one
    const createdTimes = all.data.map((session) => session.created);
    expect(createdTimes).toEqual([...createdTimes].sort((a, b) => b - a));

    const next = await stripe.checkout.sessions.list({ limit: 1, starting_after: third.id });
    expect(next.data.map((session) => session.id)).toEqual([second.id]);
    expect(next.has_more).toBe(true);

    await stripe.checkout.sessions.expire(second.id);
    const open = await stripe.checkout.sessions.list({ status: "open", limit: 100 });
    expect(open.data.every((session) => session.status === "open")).toBe(true);
    expect(open.data.map((session) => session.id).filter((id) => ours.has(id))).toEqual([third.id, first.id]);
    const expired = await stripe.checkout.sessions.list({ status: "expired", limit: 100 });
    expect(expired.data.map((session) => session.id)).toContain(second.id);
  });
});

describe("failNextCreate", () => {
  it("surfaces a 500 once as the SDK's StripeAPIError, then creation works again", async () => {
    fixture.emulator.failNextCreate(500, "Stripe is having a moment");
    const error = await stripeError(stripe.checkout.sessions.create(sessionParams()));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error).toMatchObject({ statusCode: 500, rawType: "api_error", message: "Stripe is having a moment" });
    const session = await stripe.checkout.sessions.create(sessionParams());
    expect(session.status).toBe("open");
  });

  it("surfaces a 402 card_error as StripeCardError", async () => {
    fixture.emulator.failNextCreate(402, "Your card was declined.", {
      code: "card_declined",
      declineCode: "generic_decline",
    });
    const error = await stripeError(stripe.checkout.sessions.create(sessionParams()));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({
      statusCode: 402,
      rawType: "card_error",
      code: "card_declined",
      decline_code: "generic_decline",
    });
  });

  it("replays a saved failure for the same idempotency key, like Stripe", async () => {
    fixture.emulator.failNextCreate(500, "saved failure");
    const params = sessionParams();
    const key = `fail-${Date.now()}`;
    await stripeError(stripe.checkout.sessions.create(params, { idempotencyKey: key }));
    const replay = await stripeError(stripe.checkout.sessions.create(params, { idempotencyKey: key }));
    expect(replay).toMatchObject({ statusCode: 500, message: "saved failure" });
  });

  it("lets the SDK's own retry through when the failure is marked retryable", async () => {
    const retrying = new Stripe(TEST_SECRET_KEY, { ...fixture.emulator.stripeConfig, maxNetworkRetries: 1 });
    fixture.emulator.failNextCreate(503, "blip", { retryable: true });
    const before = fixture.emulator.requests().length;
    const session = await retrying.checkout.sessions.create(sessionParams());
    expect(session.status).toBe("open");
    const attempts = fixture.emulator.requests().slice(before);
    expect(attempts.map((request) => request.status)).toEqual([503, 200]);
    expect(attempts[0]?.idempotencyKey).toBe(attempts[1]?.idempotencyKey);
  });
});
