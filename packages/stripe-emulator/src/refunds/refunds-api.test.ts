import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { sessionParams, startFixture, TEST_WEBHOOK_SECRET, type Fixture } from "../test-fixture.ts";

// Refunds through the official SDK: what Stripe answers and refuses, and the
// signed events each refund sends.

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

/** A paid session of 2 x 12.50 + 30.00 = 55.00 USD. */
async function paid(f: Fixture): Promise<Stripe.Checkout.Session> {
  const session = await f.stripe.checkout.sessions.create(sessionParams());
  return f.emulator.pay(session.id).session;
}

async function refusal(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error("expected Stripe to refuse");
}

describe("refunds", () => {
  it("refund a paid session in parts, list and retrieve them, and refuse an over-refund as Stripe does", async () => {
    fixture = await startFixture();
    const session = await paid(fixture);
    const paymentIntent = session.payment_intent as string;
    expect(paymentIntent).toMatch(/^pi_/);

    const first = await fixture.stripe.refunds.create({
      payment_intent: paymentIntent,
      amount: 1250,
      metadata: { acme_restock: '[["A","",1]]' },
      reason: "requested_by_customer",
    });
    expect(first).toMatchObject({
      object: "refund",
      amount: 1250,
      currency: "usd",
      status: "succeeded",
      payment_intent: paymentIntent,
      reason: "requested_by_customer",
      metadata: { acme_restock: '[["A","",1]]' },
    });
    expect(first.charge).toMatch(/^ch_/);

    const tooMuch = await refusal(fixture.stripe.refunds.create({ payment_intent: paymentIntent, amount: 5000 }));
    expect(tooMuch).toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      code: "amount_too_large",
      param: "amount",
    });
    expect(tooMuch.message).toBe("Refund amount ($50.00) is greater than unrefunded amount on charge ($42.50)");

    // The rest, by charge: the default amount is what is left.
    const rest = await fixture.stripe.refunds.create({ charge: first.charge as string });
    expect(rest.amount).toBe(4250);
    const again = await refusal(fixture.stripe.refunds.create({ payment_intent: paymentIntent }));
    expect(again).toMatchObject({ statusCode: 400, code: "charge_already_refunded" });

    const listed = await fixture.stripe.refunds.list({ payment_intent: paymentIntent });
    expect(listed.data.map((refund) => refund.id)).toEqual([rest.id, first.id]);
    expect((await fixture.stripe.refunds.list({ charge: first.charge as string })).data).toHaveLength(2);
    expect((await fixture.stripe.refunds.list({ charge: "ch_other" })).data).toEqual([]);
    expect(await fixture.stripe.refunds.retrieve(first.id)).toEqual(first);
    const missing = await refusal(fixture.stripe.refunds.retrieve("re_missing"));
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing" });
    const charge = await fixture.stripe.charges.retrieve(first.charge as string, { expand: ["refunds"] });
    expect(charge).toMatchObject({
      amount: 5500,
      amount_refunded: 5500,
      refunded: true,
      payment_intent: paymentIntent,
    });
    expect(charge.refunds?.data).toHaveLength(2);
  });

  it("refuse a refund without a charge, of an unknown PaymentIntent, of an unpaid session, with a bad reason", async () => {
    fixture = await startFixture();
    await paid(fixture);
    expect(await refusal(fixture.stripe.refunds.create({}))).toMatchObject({ statusCode: 400 });
    expect(await refusal(fixture.stripe.refunds.create({ payment_intent: "pi_missing" }))).toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      param: "payment_intent",
    });
    const delayed = await fixture.stripe.checkout.sessions.create(sessionParams());
    const unpaid = fixture.emulator.pay(delayed.id, { delayed: true }).session;
    expect(
      await refusal(fixture.stripe.refunds.create({ payment_intent: unpaid.payment_intent as string })),
    ).toMatchObject({ statusCode: 400, code: "charge_not_refundable" });
    const session = await paid(fixture);
    expect(
      await refusal(
        fixture.stripe.refunds.create({
          payment_intent: session.payment_intent as string,
          reason: "changed_mind" as "duplicate",
        }),
      ),
    ).toMatchObject({ statusCode: 400, param: "reason" });
    expect(fixture.emulator.refunds()).toEqual([]);
  });

  it("send refund.created and charge.refunded signed as Stripe signs, and refund.updated when a pending refund settles", async () => {
    fixture = await startFixture();
    const session = await paid(fixture);
    await fixture.receiver.waitFor(1);
    const { refund } = fixture.emulator.refund({ sessionId: session.id, amount: 3000, pending: true });
    expect(refund.status).toBe("pending");
    fixture.emulator.settleRefund(refund.id, "succeeded");
    const webhooks = await fixture.receiver.waitFor(4);
    const events = webhooks.map((webhook) =>
      Stripe.webhooks.constructEvent(webhook.rawBody, webhook.signature, TEST_WEBHOOK_SECRET),
    );
    expect(events.map((event) => event.type).sort()).toEqual([
      "charge.refunded",
      "checkout.session.completed",
      "refund.created",
      "refund.updated",
    ]);
    const charged = events.find((event) => event.type === "charge.refunded")!.data.object;
    expect(charged).toMatchObject({
      object: "charge",
      amount: 5500,
      amount_refunded: 3000,
      refunded: false,
      payment_intent: session.payment_intent,
    });
    // As on current API versions, the charge comes without its refunds (only expandable): receivers list them.
    expect(charged.refunds).toBeUndefined();
    const updated = events.find((event) => event.type === "refund.updated")!.data.object;
    expect(updated).toMatchObject({ id: refund.id, status: "succeeded" });
    expect(() => fixture!.emulator.settleRefund(refund.id, "failed")).toThrow(/only a pending refund/);
  });
});
