import { createHmac } from "node:crypto";

/**
 * The `Stripe-Signature` header for a payload, computed as Stripe computes it:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed by the endpoint secret>`.
 */
export function signWebhookPayload({
  payload,
  secret,
  timestamp = Math.floor(Date.now() / 1000),
}: {
  payload: string;
  secret: string;
  timestamp?: number;
}): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}
