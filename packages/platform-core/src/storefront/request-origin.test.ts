import { describe, expect, it } from "vitest";
import { readCookie, requestOrigin } from "./request-origin.ts";

const request = (headers: Record<string, string>, url = "http://10.0.0.5:3000/api/checkout-session") =>
  new Request(url, { headers });

describe("requestOrigin", () => {
  it("is the origin the buyer used: forwarded host and an http(s) scheme, else the Host header", () => {
    expect(requestOrigin(request({ host: "shop.example" }))).toBe("http://shop.example");
    expect(
      requestOrigin(
        request({ host: "10.0.0.5:3000", "x-forwarded-host": "shop.example", "x-forwarded-proto": "https, http" }),
      ),
    ).toBe("https://shop.example");
  });

  it("never takes a scheme Stripe would not return to", () => {
    expect(requestOrigin(request({ host: "shop.example", "x-forwarded-proto": "javascript" }))).toBe(
      "http://shop.example",
    );
  });
});

describe("readCookie", () => {
  it("reads one cookie by name, decoded; the first wins; absent is undefined", () => {
    const cookie = "a=1; acme_buyer=tok%3Den; acme_buyer=second; broken";
    expect(readCookie(request({ cookie }), "acme_buyer")).toBe("tok=en");
    expect(readCookie(request({ cookie }), "a")).toBe("1");
    expect(readCookie(request({ cookie }), "missing")).toBeUndefined();
    expect(readCookie(request({ cookie: "x=%E0%A4%A" }), "x")).toBe("%E0%A4%A");
    expect(readCookie(request({}), "x")).toBeUndefined();
  });
});
