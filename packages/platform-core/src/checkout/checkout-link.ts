import { z } from "zod";
import { InventoryError } from "../errors/inventory-error.ts";
import { openInventoryHold } from "../holds/open-inventory-hold.ts";
import type { HoldStore } from "../holds/types.ts";
import { prepareCheckoutSession } from "./prepare-checkout-session.ts";
import type { SessionRequestStore } from "./session-request-store.ts";
import { signToken, verifyToken } from "./signed-token.ts";

const linkSchema = z.object({ s: z.string(), h: z.string() });

/** How long following a link waits for a session still being prepared before answering `preparing`. */
const LINK_WAIT_MS = 2_000;

/**
 * The token of the shop's own link to a checkout's payment page: the shop
 * and the hold, signed (not encrypted, so it carries no secret). The shop
 * gives the buyer this link instead of Stripe's URL, which is read from the
 * session request only when the link is followed (`openCheckoutLink`), while
 * the hold is active; that is when the hold gets its full term. A hold whose
 * link is never followed lapses after the shop's unopened-hold time, and
 * nobody has its session's URL.
 */
export function signCheckoutLink(link: { shopId: string; holdId: string }, secret: string): string {
  return signToken(secret, "checkout-link", JSON.stringify({ s: link.shopId, h: link.holdId }));
}

export type OpenedCheckoutLink =
  | { state: "ready"; url: string; holdId: string; expiresAt: Date }
  /** The stock is held and Stripe is busy: follow the link again after `retryAfterMs`. */
  | { state: "preparing"; retryAfterMs: number; holdId: string; expiresAt: Date };
/**
 * Follows a checkout link: gives the hold its full term and returns Stripe's
 * URL. While Stripe is busy, following it drives the session's preparation
 * (`prepareCheckoutSession`) for up to 2 s, and answers `preparing` when the
 * session is still not made. A token this secret did not
 * sign is `not_found`; a hold that lapsed first is a `conflict` (the buyer
 * starts again); a checkout Stripe refused is `payment_rejected`.
 */
export async function openCheckoutLink(options: {
  token: string;
  secret: string;
  shopId: string;
  now?: Date;
  store?: HoldStore;
  requests?: SessionRequestStore;
  waitMs?: number;
}): Promise<OpenedCheckoutLink> {
  const payload = verifyToken(options.secret, "checkout-link", options.token);
  const parsed = payload === null ? null : linkSchema.safeParse(safeJson(payload));
  if (!parsed?.success || parsed.data.s !== options.shopId)
    throw new InventoryError("not_found", "This checkout link is not valid.");
  const hold = await openInventoryHold({
    shopId: parsed.data.s,
    holdId: parsed.data.h,
    ...(options.now ? { now: options.now } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  const prepared = await prepareCheckoutSession({
    shopId: parsed.data.s,
    holdId: hold.holdId,
    budgetMs: options.waitMs ?? LINK_WAIT_MS,
    ...(options.store ? { holds: options.store } : {}),
    ...(options.requests ? { requests: options.requests } : {}),
  });
  if (prepared.state === "ready")
    return { state: "ready", url: prepared.url, holdId: hold.holdId, expiresAt: hold.expiresAt };
  return { state: "preparing", retryAfterMs: prepared.retryAfterMs, holdId: hold.holdId, expiresAt: hold.expiresAt };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
