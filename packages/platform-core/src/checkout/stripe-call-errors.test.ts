import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { classifyStripeError, keyAfterFailure } from "./stripe-call-errors.ts";
import { retryDelayMs } from "./call-stripe-paced.ts";

const raw = (statusCode: number, extra: Record<string, unknown> = {}) => ({ message: "m", statusCode, ...extra });

describe("classifyStripeError", () => {
  it("a 429 is throttled, global or per endpoint by Stripe-Rate-Limited-Reason", () => {
    const endpoint = new Stripe.errors.StripeRateLimitError(
      raw(429, { headers: { "stripe-rate-limited-reason": "endpoint-rate" } }),
    );
    const global = new Stripe.errors.StripeRateLimitError(
      raw(429, { headers: { "Stripe-Rate-Limited-Reason": "global-concurrency" } }),
    );
    expect(classifyStripeError(endpoint)).toMatchObject({ kind: "throttled", scope: "endpoint" });
    expect(classifyStripeError(global)).toMatchObject({ kind: "throttled", scope: "global" });
  });

  it("a 5xx is transient and kept under its key; a network failure is transient and not", () => {
    expect(classifyStripeError(new Stripe.errors.StripeAPIError(raw(500)))).toEqual({
      kind: "transient",
      message: "m",
      storedUnderKey: true,
    });
    expect(classifyStripeError(new Stripe.errors.StripeConnectionError({ message: "reset" }))).toMatchObject({
      kind: "transient",
      storedUnderKey: false,
    });
    expect(classifyStripeError(new Error("socket hang up"))).toMatchObject({
      kind: "transient",
      storedUnderKey: false,
    });
    expect(
      classifyStripeError(new Stripe.errors.StripeInvalidRequestError(raw(409, { code: "lock_timeout" }))),
    ).toMatchObject({ kind: "transient" });
  });

  it("a 400 is permanent, naming Stripe's code and param; bad credentials are flagged", () => {
    const tooSmall = new Stripe.errors.StripeInvalidRequestError(
      raw(400, { code: "amount_too_small", param: "line_items[0][price_data][unit_amount]" }),
    );
    expect(classifyStripeError(tooSmall)).toEqual({
      kind: "permanent",
      status: 400,
      code: "amount_too_small",
      param: "line_items[0][price_data][unit_amount]",
      message: "m",
      credentials: false,
    });
    expect(classifyStripeError(new Stripe.errors.StripeAuthenticationError(raw(401)))).toMatchObject({
      kind: "permanent",
      credentials: true,
    });
    expect(classifyStripeError(new Stripe.errors.StripeIdempotencyError(raw(400)))).toMatchObject({
      kind: "permanent",
    });
  });
});

describe("retryDelayMs", () => {
  it("doubles from 250 ms to 4 s, jittered over the upper half", () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => retryDelayMs(n, () => 0))).toEqual([125, 250, 500, 1000, 2000, 2000, 2000]);
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => retryDelayMs(n, () => 1))).toEqual([
      250, 500, 1000, 2000, 4000, 4000, 4000,
    ]);
  });
});

describe("keyAfterFailure", () => {
  it("moves to a new key only after a 5xx Stripe keeps under the key; a renewal's suffix gives way too", () => {
    const stored = classifyStripeError(new Stripe.errors.StripeAPIError(raw(502)));
    expect(keyAfterFailure("checkout:s:h", stored, 1)).toBe("checkout:s:h:r1");
    expect(keyAfterFailure("checkout:s:h:r1", stored, 2)).toBe("checkout:s:h:r2");
    expect(keyAfterFailure("checkout:s:h:e3", stored, 4)).toBe("checkout:s:h:r4");
    expect(
      keyAfterFailure("checkout:s:h", classifyStripeError(new Stripe.errors.StripeRateLimitError(raw(429))), 1),
    ).toBe("checkout:s:h");
    expect(keyAfterFailure("checkout:s:h", classifyStripeError(new Error("socket hang up")), 1)).toBe("checkout:s:h");
  });
});
