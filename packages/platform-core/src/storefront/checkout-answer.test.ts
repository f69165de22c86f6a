import { serveFetchHandler } from "@acme/testkit";
import { describe, expect, it } from "vitest";
import { postCheckout, readCheckoutAnswer, UNREACHABLE_ANSWER } from "./checkout-answer.ts";

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  readCheckoutAnswer(new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers }));

describe("readCheckoutAnswer", () => {
  it("reads every answer the checkout route documents", async () => {
    expect(await answer(200, { status: "ready", url: "/checkout/pay?t=a" })).toEqual({
      kind: "ready",
      url: "/checkout/pay?t=a",
    });
    expect(
      await answer(202, {
        status: "preparing",
        url: "/checkout/pay?t=b",
        holdExpiresAt: "2026-12-01T10:20:00.000Z",
        retryAfterMs: 750,
      }),
    ).toEqual({
      kind: "preparing",
      url: "/checkout/pay?t=b",
      holdExpiresAt: new Date("2026-12-01T10:20:00.000Z"),
      retryAfterMs: 750,
    });
    const item = { sku: "CAP", variantKey: "", name: "Field cap", requested: 2, available: 0 };
    expect(await answer(409, { code: "inventory_insufficient", message: "Sold out.", items: [item] })).toEqual({
      kind: "sold_out",
      message: "Sold out.",
      items: [item],
    });
    expect(await answer(422, { code: "purchase_limit_exceeded", message: "2 per customer." })).toEqual({
      kind: "limited",
      message: "2 per customer.",
    });
    expect(await answer(422, { code: "payment_rejected", message: "Refused." })).toEqual({
      kind: "rejected",
      message: "Refused.",
    });
    expect(
      await answer(429, { code: "rate_limited", message: "Too many.", cap: "units" }, { "retry-after": "90" }),
    ).toEqual({
      kind: "busy",
      message: "Too many.",
      cap: "units",
      retryAfterSeconds: 90,
    });
    expect(
      await answer(400, {
        code: "validation_failed",
        message: "Bad.",
        errors: [{ field: "lines.0.quantity", message: "must be at least 1" }],
      }),
    ).toEqual({
      kind: "invalid",
      message: "Bad.",
      errors: [{ field: "lines.0.quantity", message: "must be at least 1" }],
    });
    expect(await answer(503, { code: "unavailable", message: "Stock is not answering." })).toEqual({
      kind: "unavailable",
      message: "Stock is not answering.",
    });
  });

  it("never reads a malformed answer as held: a 200 without a link, an HTML error page, a 409 without items", async () => {
    expect((await answer(200, { status: "ready" })).kind).toBe("unavailable");
    expect((await answer(202, "<html>Bad gateway</html>")).kind).toBe("unavailable");
    expect((await answer(502, "<html>Bad gateway</html>")).kind).toBe("unavailable");
    expect((await answer(409, { code: "conflict" })).kind).toBe("unavailable");
    expect(await answer(429, {})).toMatchObject({ kind: "busy", cap: null, retryAfterSeconds: null });
    expect(await answer(202, { url: "/checkout/pay?t=c", holdExpiresAt: "soon" })).toMatchObject({
      kind: "preparing",
      holdExpiresAt: null,
      retryAfterMs: 1000,
    });
  });
});

describe("postCheckout", () => {
  it("posts the lines and the idempotency key as the route reads them, and reads its answer", async () => {
    const bodies: unknown[] = [];
    const server = await serveFetchHandler(async (request) => {
      bodies.push(await request.json());
      return Response.json({ status: "ready", url: "/checkout/pay?t=x" });
    });
    try {
      const lines = [{ sku: "MUG", variantKey: "", quantity: 2 }];
      expect(
        await postCheckout({ lines, idempotencyKey: "key-12345", path: `${server.url}/api/checkout-session` }),
      ).toEqual({ kind: "ready", url: "/checkout/pay?t=x" });
      expect(bodies).toEqual([{ lines, idempotencyKey: "key-12345" }]);
    } finally {
      await server.stop();
    }
  });

  it("is unavailable when the shop cannot be reached", async () => {
    const server = await serveFetchHandler(() => new Response(null, { status: 204 }));
    const url = server.url;
    await server.stop();
    expect(await postCheckout({ lines: [], idempotencyKey: "key-12345", path: `${url}/api/checkout-session` })).toEqual(
      UNREACHABLE_ANSWER,
    );
  });
});
