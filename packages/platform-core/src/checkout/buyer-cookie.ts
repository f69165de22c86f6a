import { randomBytes } from "node:crypto";
import { signToken, verifyToken } from "./signed-token.ts";

/** The cookie that names an anonymous buyer to the shop's caps (signed, so a client cannot pick another's id). */
export const BUYER_COOKIE_NAME = "acme_buyer";
/** A year: a buyer stays one buyer across visits. */
export const BUYER_COOKIE_MAX_AGE_SECONDS = 365 * 86400;

/**
 * The buyer id in a signed buyer cookie, or a new one when the cookie is
 * missing, forged or damaged (`issued` then carries the value to set).
 */
export function readOrIssueBuyerCookie(
  cookieValue: string | undefined,
  secret: string,
): { buyerId: string; issued?: string } {
  const known = cookieValue ? verifyToken(secret, "buyer", cookieValue, 200) : null;
  if (known && /^[A-Za-z0-9_-]{22}$/.test(known)) return { buyerId: known };
  const buyerId = randomBytes(16).toString("base64url");
  return { buyerId, issued: signToken(secret, "buyer", buyerId) };
}

/** The Set-Cookie header for a newly issued buyer cookie (HttpOnly, SameSite=Lax, Secure on https). */
export function buyerCookieHeader(value: string, options: { secure: boolean }): string {
  return `${BUYER_COOKIE_NAME}=${value}; Path=/; Max-Age=${BUYER_COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${options.secure ? "; Secure" : ""}`;
}
