import { z } from "zod";
import { InventoryError } from "../errors/inventory-error.ts";
import { openInventoryHold } from "../holds/open-inventory-hold.ts";
import type { HoldStore } from "../holds/types.ts";
import { signToken, verifyToken } from "./signed-token.ts";

const linkSchema = z.object({ s: z.string(), h: z.string(), u: z.url({ protocol: /^https?$/ }) });

/**
 * The token of the shop's own link to a checkout's payment page. The shop
 * gives the buyer this link instead of Stripe's URL: the URL is revealed
 * only when the link is followed (`openCheckoutLink`), which is when the
 * hold gets its full term. A hold whose link is never followed lapses after
 * the shop's unopened-hold time, and its session cannot be paid meanwhile
 * by anyone who did not follow the link.
 */
export function signCheckoutLink(link: { shopId: string; holdId: string; url: string }, secret: string): string {
  return signToken(secret, "checkout-link", JSON.stringify({ s: link.shopId, h: link.holdId, u: link.url }));
}

/**
 * Follows a checkout link: gives the hold its full term and returns Stripe's
 * URL. A token this secret did not sign is `not_found`; a hold that lapsed
 * first is a `conflict` (the buyer starts again).
 */
export async function openCheckoutLink(options: { token: string; secret: string; shopId: string; now?: Date; store?: HoldStore }): Promise<{ url: string; holdId: string; expiresAt: Date }> {
  const payload = verifyToken(options.secret, "checkout-link", options.token);
  const parsed = payload === null ? null : linkSchema.safeParse(safeJson(payload));
  if (!parsed?.success || parsed.data.s !== options.shopId) throw new InventoryError("not_found", "This checkout link is not valid.");
  const hold = await openInventoryHold({
    shopId: parsed.data.s,
    holdId: parsed.data.h,
    ...(options.now ? { now: options.now } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  return { url: parsed.data.u, holdId: hold.holdId, expiresAt: hold.expiresAt };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
