import { z } from "zod";

/**
 * What `POST /api/checkout-session` (`handleCheckoutSessionRequest`) answered,
 * read once for every shop's cart page. Each shop words and shows it in its
 * own look; none parses the status codes itself.
 */
export type CheckoutAnswer =
  /** The stock is held: send the buyer to `url` (the shop's payment link). */
  | { kind: "ready"; url: string }
  /** Held while Stripe is busy: `url` waits for the payment page; the hold lasts until `holdExpiresAt`. */
  | { kind: "preparing"; url: string; holdExpiresAt: Date | null; retryAfterMs: number }
  /** Sold out since the page was drawn (409): each short line by the name the buyer saw. */
  | {
      kind: "sold_out";
      message: string;
      items: Array<{ sku: string; variantKey: string; name: string; requested: number; available: number }>;
    }
  /** Over a per-customer limit (422 `purchase_limit_exceeded`). */
  | { kind: "limited"; message: string }
  /** The payment provider refused the order (422 `payment_rejected`): nothing held or charged. */
  | { kind: "rejected"; message: string }
  /** The buyer is at a cap on holds (429): `cap` says which, `retryAfterSeconds` when one frees. */
  | { kind: "busy"; message: string; cap: "holds" | "units" | null; retryAfterSeconds: number | null }
  /** The cart itself was refused (400, 413): each field and why. */
  | { kind: "invalid"; message: string; errors: Array<{ field: string; message: string }> }
  /** Stock or the shop could not answer (503, anything else, no answer at all): nothing was charged. */
  | { kind: "unavailable"; message: string };

const text = z.string().max(2000);
const count = z.number().int().min(0);
const answerBody = z.object({ code: text.optional(), message: text.optional() });
const linkBody = z.object({ url: text, holdExpiresAt: text.optional(), retryAfterMs: count.optional() });
const soldOutBody = answerBody.extend({
  items: z.array(z.object({ sku: text, variantKey: text, name: text, requested: count, available: count })).max(1000),
});
const invalidBody = answerBody.extend({
  errors: z
    .array(z.object({ field: text, message: text }))
    .max(1000)
    .optional(),
});
const busyBody = answerBody.extend({ cap: z.enum(["holds", "units"]).optional() });

const UNAVAILABLE = "Checkout is unavailable right now. Nothing was charged; please try again shortly.";

/** The answer a cart page shows when the shop could not be reached at all. */
export const UNREACHABLE_ANSWER: CheckoutAnswer = {
  kind: "unavailable",
  message: "Could not reach the shop. Nothing was charged; please try again.",
};

/**
 * Reads a checkout answer. Anything that is not one of the documented
 * answers (a proxy's HTML error page, a body cut short) is `unavailable`,
 * never a guess that the stock was held.
 */
export async function readCheckoutAnswer(response: Response): Promise<CheckoutAnswer> {
  const body: unknown = await response.json().catch(() => ({}));
  const plain = answerBody.safeParse(body);
  const message = (fallback: string) => (plain.success && plain.data.message ? plain.data.message : fallback);
  if (response.status === 200 || response.status === 202) {
    const link = linkBody.safeParse(body);
    if (!link.success) return { kind: "unavailable", message: UNAVAILABLE };
    if (response.status === 200) return { kind: "ready", url: link.data.url };
    const until = link.data.holdExpiresAt ? new Date(link.data.holdExpiresAt) : null;
    return {
      kind: "preparing",
      url: link.data.url,
      holdExpiresAt: until && !Number.isNaN(until.getTime()) ? until : null,
      retryAfterMs: link.data.retryAfterMs ?? 1000,
    };
  }
  if (response.status === 409) {
    const soldOut = soldOutBody.safeParse(body);
    if (soldOut.success)
      return { kind: "sold_out", message: message("Some items sold out."), items: soldOut.data.items };
  }
  if (response.status === 422) {
    if (plain.success && plain.data.code === "payment_rejected")
      return { kind: "rejected", message: message("The payment provider could not take this order.") };
    return { kind: "limited", message: message("Some items are limited per customer.") };
  }
  if (response.status === 429) {
    const busy = busyBody.safeParse(body);
    const seconds = Number(response.headers.get("retry-after"));
    return {
      kind: "busy",
      message: message("You have too many checkouts open at once."),
      cap: busy.success ? (busy.data.cap ?? null) : null,
      retryAfterSeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : null,
    };
  }
  if (response.status === 400 || response.status === 413) {
    const invalid = invalidBody.safeParse(body);
    return {
      kind: "invalid",
      message: message("The cart could not be read."),
      errors: invalid.success ? (invalid.data.errors ?? []) : [],
    };
  }
  return { kind: "unavailable", message: message(UNAVAILABLE) };
}

/**
 * Posts a cart to the shop's checkout (`/api/checkout-session` on the page's
 * own origin unless `path` says otherwise) and reads the answer. The same
 * `idempotencyKey` for the same cart makes a retry (a double click, a lost
 * answer) the same checkout, held once. A network failure is `unavailable`.
 */
export async function postCheckout(options: {
  lines: ReadonlyArray<{ sku: string; variantKey: string; quantity: number }>;
  idempotencyKey: string;
  path?: string;
  fetch?: typeof fetch;
}): Promise<CheckoutAnswer> {
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  let response: Response;
  try {
    response = await send(options.path ?? "/api/checkout-session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lines: options.lines, idempotencyKey: options.idempotencyKey }),
    });
  } catch {
    return UNREACHABLE_ANSWER;
  }
  return readCheckoutAnswer(response);
}
