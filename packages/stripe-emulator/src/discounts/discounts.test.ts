import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStripeEmulator } from "../start-stripe-emulator.ts";
import {
  sessionParams,
  startFixture,
  submitCheckoutForm,
  TEST_SECRET_KEY,
  TEST_WEBHOOK_SECRET,
  type Fixture,
} from "../test-fixture.ts";
import { allocateDiscount } from "./allocate-discount.ts";
import { DEMO_COUPONS } from "./seed-coupons.ts";

// Vitest types its asymmetric matchers `any`; held as `unknown`, they stand in
// an expected object without leaking `any` into it.
const aTimestamp: unknown = expect.any(Number);
const aPromotionCodeId: unknown = expect.stringMatching(/^promo_/);

let fixture: Fixture;
let stripe: Stripe;

beforeAll(async () => {
  // One emulator for the file, with the demo's FREE100; limits are off
  // because these tests create well over 25 objects a second.
  fixture = await startFixture({ limits: false, coupons: DEMO_COUPONS });
  stripe = fixture.stripe;
});
afterAll(() => fixture.stop());
beforeEach(async () => {
  await fixture.emulator.idle();
  fixture.receiver.received.length = 0;
});

async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as Stripe.errors.StripeError;
}

let unique = 0;
function uniqueId(prefix: string): string {
  unique += 1;
  return `${prefix}-${Date.now()}-${unique}`;
}

/** Posts a hosted-page form with fields, as a browser would, without following the redirect. */
function postForm(sessionUrl: string, action: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${sessionUrl}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

function verifiedEvents(): Stripe.Event[] {
  return fixture.receiver.received.map((webhook) =>
    Stripe.webhooks.constructEvent(webhook.rawBody, webhook.signature, TEST_WEBHOOK_SECRET),
  );
}

/** $12.00: one line, for amounts easy to follow. */
function oneLine(unitAmount = 1200, currency = "usd"): Stripe.Checkout.SessionCreateParams.LineItem[] {
  return [{ quantity: 1, price_data: { currency, unit_amount: unitAmount, product_data: { name: "Linen tee" } } }];
}

describe("coupons", () => {
  it("are created with percent_off, or amount_off and currency, and retrieved as Stripe's coupon object", async () => {
    const id = uniqueId("SPRING20");
    const percent = await stripe.coupons.create({ id, percent_off: 20, name: "Spring sale" });
    expect(percent).toEqual({
      id,
      object: "coupon",
      amount_off: null,
      created: aTimestamp,
      currency: null,
      duration: "once",
      duration_in_months: null,
      livemode: false,
      max_redemptions: null,
      metadata: {},
      name: "Spring sale",
      percent_off: 20,
      redeem_by: null,
      times_redeemed: 0,
      valid: true,
    });
    expect(await stripe.coupons.retrieve(id)).toMatchObject({ id, percent_off: 20 });

    const fixed = await stripe.coupons.create({ amount_off: 500, currency: "USD" });
    expect(fixed).toMatchObject({ amount_off: 500, currency: "usd", percent_off: null });
    expect(fixed.id).toMatch(/^[A-Z0-9]{8}$/);
    expect(fixture.emulator.coupons().map((c) => c.id)).toEqual(
      expect.arrayContaining([id, fixed.id, "demo-free-order"]),
    );
  });

  it("are refused without exactly one kind of discount, with a bad currency, or under a taken id", async () => {
    expect(
      await stripeError(stripe.coupons.create({ percent_off: 10, amount_off: 100, currency: "usd" })),
    ).toMatchObject({
      statusCode: 400,
      message: "You may only specify one of these parameters: amount_off, percent_off.",
    });
    expect(await stripeError(stripe.coupons.create({ name: "nothing off" }))).toMatchObject({
      statusCode: 400,
      param: "percent_off",
    });
    expect(await stripeError(stripe.coupons.create({ amount_off: 100 }))).toMatchObject({
      statusCode: 400,
      param: "currency",
    });
    expect(await stripeError(stripe.coupons.create({ percent_off: 101 }))).toMatchObject({
      statusCode: 400,
      param: "percent_off",
    });
    expect(await stripeError(stripe.coupons.create({ amount_off: 100, currency: "xyz" }))).toMatchObject({
      statusCode: 400,
      param: "currency",
    });
    const id = uniqueId("TAKEN");
    await stripe.coupons.create({ id, percent_off: 5 });
    expect(await stripeError(stripe.coupons.create({ id, percent_off: 5 }))).toMatchObject({
      statusCode: 400,
      code: "resource_already_exists",
      param: "id",
    });
    expect(await stripeError(stripe.coupons.retrieve("nope"))).toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
  });
});

describe("promotion codes", () => {
  it("name their coupon as promotion: { type: 'coupon', coupon } in the pinned API version", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 15 });
    const code = uniqueId("WELCOME");
    const promo = await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code,
      max_redemptions: 3,
    });
    expect(promo).toEqual({
      id: aPromotionCodeId,
      object: "promotion_code",
      active: true,
      code,
      created: aTimestamp,
      customer: null,
      customer_account: null,
      expires_at: null,
      livemode: false,
      max_redemptions: 3,
      metadata: {},
      promotion: { type: "coupon", coupon: coupon.id },
      restrictions: { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null },
      times_redeemed: 0,
    });
    const expanded = await stripe.promotionCodes.retrieve(promo.id, { expand: ["promotion.coupon"] });
    expect(expanded.promotion.coupon).toMatchObject({ object: "coupon", id: coupon.id, percent_off: 15 });

    // Found by code, whatever its case.
    const found = await stripe.promotionCodes.list({ code: code.toLowerCase() });
    expect(found.data.map((p) => p.id)).toEqual([promo.id]);
  });

  it("refuse the older top-level coupon parameter, an unknown coupon, and a code already active", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 15 });
    const legacy = { coupon: coupon.id, code: uniqueId("OLD") } as unknown as Stripe.PromotionCodeCreateParams;
    expect(await stripeError(stripe.promotionCodes.create(legacy))).toMatchObject({
      statusCode: 400,
      param: "coupon",
      message: "Received unknown parameter: coupon",
    });
    expect(
      await stripeError(stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: "missing" } })),
    ).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "promotion[coupon]",
    });
    expect(
      await stripeError(
        stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "free100" }),
      ),
    ).toMatchObject({
      statusCode: 400,
      code: "resource_already_exists",
      param: "code",
    });
  });
});

describe("discounts on Checkout Sessions", () => {
  it("take a coupon off the subtotal, reported as Stripe does: amount_subtotal, amount_total, total_details, discounts, line shares", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 20 });
    const session = await stripe.checkout.sessions.create(
      sessionParams({ discounts: [{ coupon: coupon.id }], expand: ["line_items"] }),
    );
    expect(session).toMatchObject({
      amount_subtotal: 5500,
      amount_total: 4400,
      total_details: { amount_discount: 1100, amount_shipping: 0, amount_tax: 0 },
      discounts: [{ coupon: coupon.id, promotion_code: null }],
      allow_promotion_codes: null,
      status: "open",
      payment_status: "unpaid",
    });
    // 2 x $12.50 and 1 x $30.00: the $11.00 is shared 500 / 600.
    expect(
      session.line_items?.data.map((line) => [line.amount_subtotal, line.amount_discount, line.amount_total]),
    ).toEqual([
      [2500, 500, 2000],
      [3000, 600, 2400],
    ]);
    const lines = await stripe.checkout.sessions.listLineItems(session.id);
    expect(lines.data.reduce((sum, line) => sum + line.amount_discount, 0)).toBe(1100);

    fixture.emulator.pay(session.id);
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it("apply a promotion code by id", async () => {
    const promo = await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: "demo-free-order" },
      code: uniqueId("STAFF"),
    });
    const session = await stripe.checkout.sessions.create(sessionParams({ discounts: [{ promotion_code: promo.id }] }));
    expect(session).toMatchObject({ amount_total: 0, discounts: [{ coupon: null, promotion_code: promo.id }] });
  });

  it("cannot be combined with allow_promotion_codes (Stripe's words), and are one at most", async () => {
    const both = await stripeError(
      stripe.checkout.sessions.create(
        sessionParams({ allow_promotion_codes: true, discounts: [{ coupon: "demo-free-order" }] }),
      ),
    );
    expect(both).toMatchObject({
      statusCode: 400,
      rawType: "invalid_request_error",
      message: "You may only specify one of these parameters: allow_promotion_codes, discounts.",
    });
    const two = await stripeError(
      stripe.checkout.sessions.create(
        sessionParams({ discounts: [{ coupon: "demo-free-order" }, { coupon: "demo-free-order" }] }),
      ),
    );
    expect(two).toMatchObject({ statusCode: 400, param: "discounts" });
    expect(
      await stripeError(stripe.checkout.sessions.create(sessionParams({ discounts: [{ coupon: "missing" }] }))),
    ).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "discounts[0][coupon]",
    });
    const euros = await stripe.coupons.create({ amount_off: 100, currency: "eur" });
    expect(
      await stripeError(stripe.checkout.sessions.create(sessionParams({ discounts: [{ coupon: euros.id }] }))),
    ).toMatchObject({
      statusCode: 400,
      param: "discounts[0][coupon]",
    });
  });

  it("a 100% discount is a no-cost order: accepted, then complete with no_payment_required and checkout.session.completed", async () => {
    const session = await stripe.checkout.sessions.create(
      sessionParams({ discounts: [{ coupon: "demo-free-order" }] }),
    );
    expect(session).toMatchObject({
      amount_subtotal: 5500,
      amount_total: 0,
      total_details: { amount_discount: 5500 },
      status: "open",
    });

    const { session: completed, event, redirectUrl } = fixture.emulator.pay(session.id);
    expect(completed).toMatchObject({
      status: "complete",
      payment_status: "no_payment_required",
      payment_intent: null,
      amount_total: 0,
    });
    // No-cost orders do not take guests: Stripe creates a Customer.
    expect(completed.customer).toMatch(/^cus_/);
    expect(event.type).toBe("checkout.session.completed");
    expect(redirectUrl).toBe(`http://shop.test/checkout/success?session_id=${session.id}`);

    await fixture.receiver.waitFor(1);
    const [sent] = verifiedEvents();
    expect(sent).toMatchObject({
      type: "checkout.session.completed",
      data: { object: { id: session.id, payment_status: "no_payment_required", status: "complete" } },
    });
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      payment_status: "no_payment_required",
    });
  });

  it("an amount_off at or over the total makes it free; one leaving a total under the minimum charge is amount_too_small", async () => {
    const large = await stripe.coupons.create({ amount_off: 1200, currency: "usd" });
    const free = await stripe.checkout.sessions.create(
      sessionParams({ line_items: oneLine(1200), discounts: [{ coupon: large.id }] }),
    );
    expect(free).toMatchObject({ amount_total: 0, total_details: { amount_discount: 1200 } });
    const larger = await stripe.coupons.create({ amount_off: 5000, currency: "usd" });
    expect(
      await stripe.checkout.sessions.create(
        sessionParams({ line_items: oneLine(1200), discounts: [{ coupon: larger.id }] }),
      ),
    ).toMatchObject({
      amount_total: 0,
      total_details: { amount_discount: 1200 },
    });

    const almost = await stripe.coupons.create({ amount_off: 1170, currency: "usd" });
    const tooSmall = await stripeError(
      stripe.checkout.sessions.create(sessionParams({ line_items: oneLine(1200), discounts: [{ coupon: almost.id }] })),
    );
    expect(tooSmall).toMatchObject({ statusCode: 400, code: "amount_too_small", param: "line_items" });
  });

  it("free line items alone are a no-cost order too", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams({ line_items: oneLine(0) }));
    expect(session).toMatchObject({ amount_total: 0, discounts: [] });
    // `delayed` (bank transfer) has nothing to wait for.
    expect(fixture.emulator.pay(session.id, { delayed: true }).session).toMatchObject({
      payment_status: "no_payment_required",
      payment_intent: null,
    });
  });
});

describe("minimum charges and currencies", () => {
  it("refuse a positive total under Stripe's minimum for the currency, naming line_items", async () => {
    for (const [currency, under, atMinimum] of [
      ["usd", 49, 50],
      ["gbp", 29, 30],
      ["jpy", 49, 50],
      ["hkd", 399, 400],
    ] as const) {
      const refused = await stripeError(
        stripe.checkout.sessions.create(sessionParams({ line_items: oneLine(under, currency) })),
      );
      expect(refused).toMatchObject({ statusCode: 400, code: "amount_too_small", param: "line_items" });
      expect(
        (await stripe.checkout.sessions.create(sessionParams({ line_items: oneLine(atMinimum, currency) })))
          .amount_total,
      ).toBe(atMinimum);
    }
    const usd = await stripeError(stripe.checkout.sessions.create(sessionParams({ line_items: oneLine(49) })));
    expect(usd.message).toBe("The Checkout Session's total amount due must add up to at least 0.50 usd");
  });

  it("refuse a currency the emulator does not support with Stripe's invalid-currency message on the param", async () => {
    const error = await stripeError(
      stripe.checkout.sessions.create(sessionParams({ line_items: oneLine(5000, "isk") })),
    );
    expect(error).toMatchObject({ statusCode: 400, param: "line_items[0][price_data][currency]" });
    expect(error.message).toMatch(/^Invalid currency: isk\. Stripe currently supports these currencies: usd, /);
  });
});

describe("promotion codes on the hosted page", () => {
  it("let the buyer enter one, see the discounted total, and complete a free order without a card", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams({ allow_promotion_codes: true }));
    expect(session.allow_promotion_codes).toBe(true);
    const url = session.url ?? "";
    const before = await (await fetch(url)).text();
    expect(before).toContain(`action="/checkout/${session.id}/promotion-code"`);
    expect(before).toContain('name="code"');
    expect(before).toMatch(/<button type="submit">Pay<\/button>/);

    const wrong = await postForm(url, "promotion-code", { code: "NOPE" });
    expect(wrong.status).toBe(400);
    const wrongPage = await wrong.text();
    expect(wrongPage).toContain("This code is invalid.");
    expect(wrongPage).toContain('value="NOPE"');

    // Codes match whatever their case, as at Stripe.
    const applied = await postForm(url, "promotion-code", { code: "free100" });
    expect(applied.status).toBe(303);
    expect(applied.headers.get("location")).toBe(`/checkout/${session.id}`);
    const page = await (await fetch(url)).text();
    expect(page).toContain("Discount (FREE100)");
    expect(page).toMatch(/data-testid="total">\$0\.00</);
    expect(page).toMatch(/<button type="submit">Complete order<\/button>/);
    expect(page).not.toMatch(/<button type="submit">Pay<\/button>/);
    expect(page).not.toContain("Pay later");
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      amount_total: 0,
      total_details: { amount_discount: 5500 },
      discounts: [{ coupon: null, promotion_code: aPromotionCodeId }],
    });

    // "Complete order" posts the same pay form the card payment uses.
    const done = await submitCheckoutForm(url, "pay");
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`http://shop.test/checkout/success?session_id=${session.id}`);
    await fixture.receiver.waitFor(1);
    expect(verifiedEvents()[0]).toMatchObject({
      type: "checkout.session.completed",
      data: { object: { payment_status: "no_payment_required" } },
    });
    expect(await (await fetch(`${fixture.emulator.publicUrl}/checkout/${session.id}`)).text()).toContain(
      "Order complete",
    );
    expect(fixture.emulator.promotionCodes().find((p) => p.code === "FREE100")?.times_redeemed).toBeGreaterThanOrEqual(
      1,
    );
  });

  it("let the buyer remove the code, and refuse one that would leave less than the minimum charge", async () => {
    const coupon = await stripe.coupons.create({ amount_off: 1180, currency: "usd" });
    const code = uniqueId("ALMOST");
    await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code });
    const session = await stripe.checkout.sessions.create(
      sessionParams({ allow_promotion_codes: true, line_items: oneLine(1200) }),
    );
    const url = session.url ?? "";
    const refused = await postForm(url, "promotion-code", { code });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("must add up to at least 0.50 usd");

    expect((await postForm(url, "promotion-code", { code: "FREE100" })).status).toBe(303);
    expect((await postForm(url, "remove-promotion-code", {})).status).toBe(303);
    const page = await (await fetch(url)).text();
    expect(page).toMatch(/<button type="submit">Pay<\/button>/);
    expect((await stripe.checkout.sessions.retrieve(session.id)).amount_total).toBe(1200);
  });

  it("are not offered, nor accepted, on a session created without allow_promotion_codes", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const url = session.url ?? "";
    expect(await (await fetch(url)).text()).not.toContain(`action="/checkout/${session.id}/promotion-code"`);
    expect((await postForm(url, "promotion-code", { code: "FREE100" })).status).toBe(409);
    expect((await stripe.checkout.sessions.retrieve(session.id)).amount_total).toBe(5500);
  });
});

describe("allocateDiscount", () => {
  it("splits a discount over lines in whole units that add up exactly", () => {
    expect(allocateDiscount([2500, 3000], 1100)).toEqual([500, 600]);
    expect(allocateDiscount([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(allocateDiscount([333, 333, 334], 1000)).toEqual([333, 333, 334]);
    expect(allocateDiscount([100, 200], 0)).toEqual([0, 0]);
    expect(allocateDiscount([100, 200], 900)).toEqual([100, 200]);
  });
});

describe("the coupons option", () => {
  it("refuses a seed Stripe would refuse", async () => {
    await expect(
      startStripeEmulator({ webhookSecret: "whsec_x", coupons: [{ id: "bad", percent_off: 150 }] }),
    ).rejects.toThrow(/coupon bad: percent_off/);
    const seeded = await startStripeEmulator({
      webhookSecret: "whsec_x",
      coupons: [{ id: "TENOFF", amount_off: 1000, currency: "usd", promotion_codes: ["TEN", "TENNER"] }],
    });
    try {
      expect(seeded.promotionCodes().map((p) => [p.code, p.promotion.coupon])).toEqual([
        ["TEN", "TENOFF"],
        ["TENNER", "TENOFF"],
      ]);
      const client = new Stripe(TEST_SECRET_KEY, seeded.stripeConfig);
      expect((await client.coupons.retrieve("TENOFF")).amount_off).toBe(1000);
    } finally {
      await seeded.stop();
    }
  });
});
