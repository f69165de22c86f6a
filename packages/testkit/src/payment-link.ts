// What a shop's payment link (`/checkout/pay?t=…`) answered, read as a
// browser reads it: a 303 to Stripe's page, or to /checkout/preparing (the
// session is still being made; the page comes back after `retry` seconds),
// or anywhere else on the shop (the lapsed page, with its reason). Each
// caller brings its own HTTP client; this is the one reading of the answer.
// It imports nothing heavy, so a load generator can use it
// (`@acme/testkit/payment-link`).

export type PaymentLinkAnswer =
  | { kind: "payment_page"; location: string; sessionId: string }
  | { kind: "preparing"; retrySeconds: number }
  | { kind: "elsewhere"; status: number; location: string | null };

export function readPaymentLinkAnswer(
  status: number,
  location: string | null | undefined,
  base: string,
): PaymentLinkAnswer {
  if (status !== 303 || !location) return { kind: "elsewhere", status, location: location ?? null };
  if (location.startsWith("/checkout/preparing")) {
    return { kind: "preparing", retrySeconds: Number(new URL(location, base).searchParams.get("retry")) || 1 };
  }
  if (location.startsWith("/")) return { kind: "elsewhere", status, location };
  return { kind: "payment_page", location, sessionId: new URL(location).pathname.split("/").pop()! };
}
