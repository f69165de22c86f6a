import { createHmac, timingSafeEqual } from "node:crypto";

// Values the shop hands to a browser and must get back unchanged: the
// payload in base64url, a dot, and an HMAC-SHA256 of purpose and payload.

function mac(secret: string, purpose: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(`${purpose}\u0000${payload}`).digest();
}

export function signToken(secret: string, purpose: string, payload: string): string {
  const body = Buffer.from(payload, "utf8").toString("base64url");
  return `${body}.${mac(secret, purpose, body).toString("base64url")}`;
}

/** The payload of a token this secret signed for this purpose; null for anything else. */
export function verifyToken(secret: string, purpose: string, token: string, maxLength = 4096): string | null {
  if (token.length > maxLength) return null;
  const [body, signature64, ...more] = token.split(".");
  if (!body || !signature64 || more.length > 0) return null;
  const given = Buffer.from(signature64, "base64url");
  const expected = mac(secret, purpose, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return Buffer.from(body, "base64url").toString("utf8");
}
