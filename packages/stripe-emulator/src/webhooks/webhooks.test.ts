import { createServer } from "node:net";
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { STRIPE_API_VERSION } from "../start-stripe-emulator.ts";
import { sessionParams, startFixture, TEST_WEBHOOK_SECRET, type Fixture } from "../test-fixture.ts";

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

async function paidSession(f: Fixture): Promise<string> {
  const session = await f.stripe.checkout.sessions.create(sessionParams());
  f.emulator.pay(session.id);
  return session.id;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("webhook signatures", () => {
  it("are accepted unchanged by the SDK's constructEvent and match Stripe's own signing", async () => {
    fixture = await startFixture();
    const sessionId = await paidSession(fixture);
    const [webhook] = await fixture.receiver.waitFor(1);
    if (webhook === undefined) throw new Error("no webhook");

    expect(webhook.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(webhook.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = Stripe.webhooks.constructEvent(webhook.rawBody, webhook.signature, TEST_WEBHOOK_SECRET);
    expect(event).toMatchObject({
      object: "event",
      type: "checkout.session.completed",
      livemode: false,
      api_version: STRIPE_API_VERSION,
      data: { object: { id: sessionId, object: "checkout.session" } },
      request: { id: null, idempotency_key: null },
    });
    expect(event.id).toMatch(/^evt_/);
    // Pretty-printed like Stripe's payloads.
    expect(webhook.rawBody).toBe(JSON.stringify(JSON.parse(webhook.rawBody), null, 2));

    const timestamp = Number(/t=(\d+)/.exec(webhook.signature)?.[1]);
    expect(
      Stripe.webhooks.generateTestHeaderString({ payload: webhook.rawBody, secret: TEST_WEBHOOK_SECRET, timestamp }),
    ).toBe(webhook.signature);
  });

  it("are rejected for a tampered body, a re-serialised body or another secret", async () => {
    fixture = await startFixture();
    await paidSession(fixture);
    const [webhook] = await fixture.receiver.waitFor(1);
    if (webhook === undefined) throw new Error("no webhook");
    const tampered = webhook.rawBody.replace('"payment_status": "paid"', '"payment_status": "unpaid"');
    expect(tampered).not.toBe(webhook.rawBody);
    expect(() => Stripe.webhooks.constructEvent(tampered, webhook.signature, TEST_WEBHOOK_SECRET)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    const reserialised = JSON.stringify(JSON.parse(webhook.rawBody));
    expect(() => Stripe.webhooks.constructEvent(reserialised, webhook.signature, TEST_WEBHOOK_SECRET)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => Stripe.webhooks.constructEvent(webhook.rawBody, webhook.signature, "whsec_other")).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it("carry the API version the pinned SDK sends, which the emulator reads from the SDK", async () => {
    fixture = await startFixture();
    const session = await fixture.stripe.checkout.sessions.create(sessionParams());
    // The SDK sends its own version on every request; the emulator answers with it.
    expect(session.lastResponse.headers["stripe-version"]).toBe(Stripe.API_VERSION);
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
    const { event } = fixture.emulator.pay(session.id);
    expect(event.api_version).toBe(Stripe.API_VERSION);
  });
});

describe("webhook delivery", () => {
  it("retries a receiver answering 500 with the same event, recording every attempt", async () => {
    fixture = await startFixture({ retry: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 } });
    let calls = 0;
    fixture.receiver.respondWith(() => (++calls <= 2 ? 500 : 200));
    await paidSession(fixture);
    await fixture.emulator.idle();

    const attempts = fixture.emulator.deliveries();
    expect(attempts.map((a) => [a.attempt, a.status, a.ok])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    const received = fixture.receiver.received;
    expect(new Set(received.map((r) => r.rawBody)).size).toBe(1);
    for (const r of received)
      expect(() => Stripe.webhooks.constructEvent(r.rawBody, r.signature, TEST_WEBHOOK_SECRET)).not.toThrow();
  });

  it("gives up after the configured attempts when the receiver is unreachable", async () => {
    fixture = await startFixture({
      webhookUrl: `http://127.0.0.1:${await closedPort()}/webhook`,
      retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 10 },
    });
    const sessionId = await paidSession(fixture);
    await fixture.emulator.idle();
    const attempts = fixture.emulator.deliveries();
    expect(attempts).toHaveLength(3);
    expect(attempts.every((a) => a.status === null && !a.ok && a.error !== null)).toBe(true);
    expect(fixture.emulator.events()[0]?.data.object.id).toBe(sessionId);
  });

  it("resend() redelivers the same event id and body", async () => {
    fixture = await startFixture();
    await paidSession(fixture);
    await fixture.receiver.waitFor(1);
    const eventId = fixture.emulator.events()[0]?.id as string;
    const result = await fixture.emulator.resend(eventId);
    expect(result).toMatchObject({ eventId, ok: true });
    const [first, second] = fixture.receiver.received;
    expect(second?.rawBody).toBe(first?.rawBody);
    const events = fixture.receiver.received.map((r) =>
      Stripe.webhooks.constructEvent(r.rawBody, r.signature, TEST_WEBHOOK_SECRET),
    );
    expect(events.map((e) => e.id)).toEqual([eventId, eventId]);
    expect(fixture.emulator.deliveries().map((d) => d.eventId)).toEqual([eventId, eventId]);
  });

  it('holds events with deliver: "manual" so a test can deliver them out of order', async () => {
    fixture = await startFixture({ deliver: "manual" });
    const session = await fixture.stripe.checkout.sessions.create(sessionParams());
    fixture.emulator.pay(session.id, { delayed: true });
    fixture.emulator.asyncPaymentSucceeded(session.id);
    const pending = fixture.emulator.pendingEvents();
    expect(pending.map((e) => e.type)).toEqual([
      "checkout.session.completed",
      "checkout.session.async_payment_succeeded",
    ]);
    expect(fixture.receiver.received).toHaveLength(0);

    const results = await fixture.emulator.deliverPending([pending[1]?.id as string, pending[0]?.id as string]);
    expect(results.every((r) => r.ok)).toBe(true);
    const types = fixture.receiver.received.map(
      (r) => Stripe.webhooks.constructEvent(r.rawBody, r.signature, TEST_WEBHOOK_SECRET).type,
    );
    expect(types).toEqual(["checkout.session.async_payment_succeeded", "checkout.session.completed"]);
    expect(fixture.emulator.pendingEvents()).toEqual([]);
  });

  it("signEvent() gives the exact body and header for a test that posts the event itself", async () => {
    fixture = await startFixture({ deliver: "manual" });
    const session = await fixture.stripe.checkout.sessions.create(sessionParams());
    const { event } = fixture.emulator.expire(session.id);
    const { payload, signature } = fixture.emulator.signEvent(event.id);
    const verified = Stripe.webhooks.constructEvent(payload, signature, TEST_WEBHOOK_SECRET);
    expect(verified).toMatchObject({ id: event.id, type: "checkout.session.expired" });
    // An old timestamp is refused by the SDK's default 5-minute tolerance.
    const stale = fixture.emulator.signEvent(event.id, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(() => Stripe.webhooks.constructEvent(stale.payload, stale.signature, TEST_WEBHOOK_SECRET)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it("holds events while no webhook URL is set, and delivers them once one is", async () => {
    fixture = await startFixture({ webhookUrl: undefined });
    await paidSession(fixture);
    expect(fixture.emulator.pendingEvents()).toHaveLength(1);
    fixture.emulator.setWebhookUrl(fixture.receiver.url);
    const [result] = await fixture.emulator.deliverPending();
    expect(result?.ok).toBe(true);
    expect(fixture.receiver.received).toHaveLength(1);
  });
});
