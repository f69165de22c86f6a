import { openCheckoutLink } from "../checkout/checkout-link.ts";
import { isInventoryError } from "../errors/inventory-error.ts";
import { STOREFRONT_PATHS } from "./handle-checkout-session-request.ts";
import { storefrontClientSecret } from "./storefront-env.ts";
import type { CatalogueEntry, Storefront } from "./storefront-types.ts";

/** Why `/checkout/lapsed` was shown: its `reason` parameter. */
export type LapsedReason = "lapsed" | "invalid" | "rejected" | "not_prepared" | "unavailable";

/**
 * GET /checkout/pay?t=…: the link the checkout answered with. Gives the hold
 * its full term (the buyer has reached the payment page) and sends the
 * browser on to Stripe (303). While Stripe is busy, it waits up to 2 s for
 * the session being prepared, then sends the browser to
 * `/checkout/preparing?t=…&until=<hold expiry>&retry=<seconds>`, a page of
 * the shop's that says the items are held and comes back here. A hold that
 * lapsed first, a link that is not this shop's, or a checkout Stripe refused
 * goes to `/checkout/lapsed?reason=<LapsedReason>`; nothing was charged.
 */
export async function handleCheckoutLinkRequest<P extends CatalogueEntry>(
  request: Request,
  storefront: Storefront<P>,
): Promise<Response> {
  const url = new URL(request.url);
  const token = url.searchParams.get("t") ?? "";
  const headers = { "cache-control": "no-store", "referrer-policy": "no-referrer" };
  try {
    const opened = await openCheckoutLink({ token, secret: storefrontClientSecret(), shopId: storefront.shopId });
    if (opened.state === "ready")
      return new Response(null, { status: 303, headers: { ...headers, location: opened.url } });
    const wait = new URLSearchParams({
      t: token,
      until: opened.expiresAt.toISOString(),
      retry: String(Math.max(1, Math.ceil(opened.retryAfterMs / 1000))),
    });
    return new Response(null, {
      status: 303,
      headers: { ...headers, location: `${STOREFRONT_PATHS.preparing}?${wait.toString()}` },
    });
  } catch (error) {
    const reason: LapsedReason = isInventoryError(error, "conflict")
      ? "lapsed"
      : isInventoryError(error, "not_found")
        ? "invalid"
        : isInventoryError(error, "payment_rejected")
          ? "rejected"
          : isInventoryError(error, "unavailable") && error.details.reason === "not_prepared"
            ? "not_prepared"
            : "unavailable";
    if (reason === "unavailable")
      console.error(
        JSON.stringify({
          level: "error",
          event: "checkout_link_failed",
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    return new Response(null, {
      status: 303,
      headers: { ...headers, location: `${STOREFRONT_PATHS.lapsed}?reason=${reason}` },
    });
  }
}
