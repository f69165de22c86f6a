import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sessionParams, startFixture, submitCheckoutForm, TEST_WEBHOOK_SECRET, type Fixture } from "../test-fixture.ts";

let fixture: Fixture;
let stripe: Stripe;

beforeAll(async () => {
  fixture = await startFixture();
  stripe = fixture.stripe;
});
afterAll(() => fixture.stop());
beforeEach(async () => {
  await fixture.emulator.idle();
  fixture.receiver.received.length = 0;
});

function verified(index: number): Stripe.Event {
  const webhook = fixture.receiver.received[index];
  if (webhook === undefined) throw new Error(`no webhook #${index}`);
  return Stripe.webhooks.constructEvent(webhook.rawBody, webhook.signature, TEST_WEBHOOK_SECRET);
}

describe("the hosted checkout page", () => {
  it("lists the line items and total with Pay, Pay later and Cancel forms", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const page = await fetch(session.url as string);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("Linen shirt (M, blue)");
    expect(html).toContain("Canvas tote");
    expect(html).toContain("$55.00");
    expect(html).toContain(`action="/checkout/${session.id}/pay"`);
    expect(html).toContain(`action="/checkout/${session.id}/pay-later"`);
    expect(html).toContain(`action="/checkout/${session.id}/cancel"`);
    expect(html).toMatch(/<button type="submit">Pay<\/button>/);
    expect(html).toContain("Pay later (bank transfer)");

    expect((await fetch(`${fixture.emulator.publicUrl}/checkout/cs_test_unknown`)).status).toBe(404);
  });

  it("Pay completes the session, sends a signed checkout.session.completed and redirects to success_url", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const response = await submitCheckoutForm(session.url as string, "pay");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`http://shop.test/checkout/success?session_id=${session.id}`);

    await fixture.receiver.waitFor(1);
    const event = verified(0);
    expect(event.type).toBe("checkout.session.completed");
    const paid = event.data.object as Stripe.Checkout.Session;
    expect(paid).toMatchObject({
      id: session.id,
      status: "complete",
      payment_status: "paid",
      amount_total: 5500,
      metadata: { shop_id: "cover-me-pretty", inventory_reservation_id: "hold_123" },
      client_reference_id: "hold_123",
      url: null,
    });
    expect(paid.payment_intent).toMatch(/^pi_/);

    const retrieved = await stripe.checkout.sessions.retrieve(session.id);
    expect(retrieved).toMatchObject({
      status: "complete",
      payment_status: "paid",
      payment_intent: paid.payment_intent,
    });

    const again = await submitCheckoutForm(session.url as string, "pay");
    expect(again.status).toBe(409);
    await fixture.emulator.idle();
    expect(fixture.receiver.received).toHaveLength(1);
  });

  it("Cancel sends the buyer to cancel_url, sends nothing, and leaves the session open", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const response = await submitCheckoutForm(session.url as string, "cancel");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("http://shop.test/cart");
    await fixture.emulator.idle();
    expect(fixture.receiver.received).toHaveLength(0);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    expect(fixture.emulator.cancel(session.id)).toMatchObject({
      redirectUrl: "http://shop.test/cart",
      session: { status: "open" },
    });
  });

  it("Pay later completes unpaid, then the bank transfer settles from the same page", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const later = await submitCheckoutForm(session.url as string, "pay-later");
    expect(later.status).toBe(303);
    expect(later.headers.get("location")).toBe(`http://shop.test/checkout/success?session_id=${session.id}`);
    await fixture.receiver.waitFor(1);
    expect(verified(0)).toMatchObject({
      type: "checkout.session.completed",
      data: { object: { id: session.id, status: "complete", payment_status: "unpaid" } },
    });

    const page = await (await fetch(`${fixture.emulator.publicUrl}/checkout/${session.id}`)).text();
    expect(page).toContain("Awaiting bank transfer");
    expect(page).toContain(`action="/checkout/${session.id}/bank-transfer-succeeded"`);

    const arrived = await submitCheckoutForm(
      `${fixture.emulator.publicUrl}/checkout/${session.id}`,
      "bank-transfer-succeeded",
    );
    expect(arrived.status).toBe(303);
    await fixture.receiver.waitFor(2);
    expect(verified(1)).toMatchObject({
      type: "checkout.session.async_payment_succeeded",
      data: { object: { id: session.id, status: "complete", payment_status: "paid" } },
    });
    // Settled once: a second settlement is refused.
    expect(
      (await submitCheckoutForm(`${fixture.emulator.publicUrl}/checkout/${session.id}`, "bank-transfer-failed")).status,
    ).toBe(409);
  });

  it("shows an expired session as expired and refuses payment", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await stripe.checkout.sessions.expire(session.id);
    const html = await (await fetch(session.url as string)).text();
    expect(html).toContain("This Checkout Session has expired");
    expect((await submitCheckoutForm(session.url as string, "pay")).status).toBe(409);
  });
});

describe("test controls", () => {
  it("pay({ delayed }) and asyncPaymentFailed drive the bank-transfer failure path", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const completed = fixture.emulator.pay(session.id, { delayed: true });
    expect(completed.event.type).toBe("checkout.session.completed");
    expect(completed.session.payment_status).toBe("unpaid");
    expect(completed.redirectUrl).toBe(`http://shop.test/checkout/success?session_id=${session.id}`);

    const failed = fixture.emulator.asyncPaymentFailed(session.id);
    expect(failed.event.type).toBe("checkout.session.async_payment_failed");
    expect(failed.session).toMatchObject({ status: "complete", payment_status: "unpaid" });
    await fixture.emulator.idle();
    // Deliveries run concurrently, so (as at Stripe) arrival order is not guaranteed.
    expect(fixture.receiver.received.map((_, i) => verified(i).type).sort()).toEqual([
      "checkout.session.async_payment_failed",
      "checkout.session.completed",
    ]);
    expect(() => fixture.emulator.asyncPaymentSucceeded(session.id)).toThrow(/no delayed payment/);
  });

  it("expire() sends checkout.session.expired; paying afterwards is refused", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const { event } = fixture.emulator.expire(session.id);
    expect(event).toMatchObject({ type: "checkout.session.expired", data: { object: { status: "expired" } } });
    expect(() => fixture.emulator.pay(session.id)).toThrow(/can no longer be paid/);
  });
});

describe("expiry by the clock", () => {
  it("expires a session once its expires_at passes, with the event, as Stripe does", async () => {
    let offsetMs = 0;
    const clocked = await startFixture({ now: () => Date.now() + offsetMs, expirySweepMs: 0 });
    try {
      const session = await clocked.stripe.checkout.sessions.create(sessionParams());
      expect(clocked.emulator.expireDue()).toEqual([]);
      offsetMs = 46 * 60 * 1000;
      // Reads see the expiry at once, without waiting for the sweep.
      expect((await clocked.stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired");
      await clocked.receiver.waitFor(1);
      // Signed with wall-clock time, so the SDK's default tolerance accepts it.
      const event = Stripe.webhooks.constructEvent(
        clocked.receiver.received[0]?.rawBody ?? "",
        clocked.receiver.received[0]?.signature ?? "",
        TEST_WEBHOOK_SECRET,
      );
      expect(event.type).toBe("checkout.session.expired");
      expect(event.created - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(45 * 60);
      expect(clocked.emulator.expireDue()).toEqual([]);
    } finally {
      await clocked.stop();
    }
  });
});
