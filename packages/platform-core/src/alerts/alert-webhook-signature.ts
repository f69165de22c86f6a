import { createHmac } from "node:crypto";
import { secretsEqual } from "../http/bearer-auth.ts";

/** The header that carries an alert webhook's signature. */
export const ALERT_SIGNATURE_HEADER = "X-Acme-Signature";

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`:
 * the timestamp is signed with the body, so a captured request cannot be replayed later.
 */
export function signAlertWebhook(body: string, secret: string, now: Date = new Date()): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  const digest = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${digest}`;
}

/**
 * What a receiver runs: true when `header` signs exactly `body` (the raw
 * bytes, before any JSON parsing) with `secret`, within `toleranceSeconds` of `now`.
 */
export function verifyAlertWebhookSignature(options: {
  body: string;
  header: string | null | undefined;
  secret: string;
  toleranceSeconds?: number;
  now?: Date;
}): boolean {
  const { body, header, secret, toleranceSeconds = 300, now = new Date() } = options;
  if (!header) return false;
  const parts = new Map(
    header.split(",").map((part) => {
      const index = part.indexOf("=");
      return [part.slice(0, index).trim(), part.slice(index + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get("t"));
  const given = parts.get("v1");
  if (!Number.isInteger(timestamp) || !given) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return secretsEqual(given, expected);
}
