import { describe, expect, it } from "vitest";
import { readOrIssueBuyerCookie } from "./buyer-cookie.ts";
import { signToken, verifyToken } from "./signed-token.ts";

const SECRET = "s".repeat(32);

describe("signed tokens", () => {
  it("give back what was signed, and nothing for a token tampered with, of another purpose or another secret", () => {
    const token = signToken(SECRET, "checkout-link", '{"h":"hold_1"}');
    expect(verifyToken(SECRET, "checkout-link", token)).toBe('{"h":"hold_1"}');
    const [body, mac] = token.split(".") as [string, string];
    for (const bad of [
      `${body}x.${mac}`,
      `${body}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`,
      `${body}.${mac}.extra`,
      `.${mac}`,
      `${body}.`,
      body,
      "",
      `${body}.${mac}`.repeat(200),
    ]) {
      expect(verifyToken(SECRET, "checkout-link", bad), bad.slice(0, 40)).toBeNull();
    }
    expect(verifyToken(SECRET, "buyer", token)).toBeNull();
    expect(verifyToken("t".repeat(32), "checkout-link", token)).toBeNull();
  });

  it("keep a buyer's cookie, and replace one signed elsewhere or not holding a buyer id", () => {
    const first = readOrIssueBuyerCookie(undefined, SECRET);
    expect(first.issued).toBeDefined();
    expect(readOrIssueBuyerCookie(first.issued, SECRET)).toEqual({ buyerId: first.buyerId });
    const odd = readOrIssueBuyerCookie(signToken(SECRET, "buyer", "not-a-buyer-id"), SECRET);
    expect(odd.buyerId).not.toBe("not-a-buyer-id");
    expect(odd.issued).toBeDefined();
    expect(readOrIssueBuyerCookie(first.issued, "t".repeat(32)).buyerId).not.toBe(first.buyerId);
  });
});
