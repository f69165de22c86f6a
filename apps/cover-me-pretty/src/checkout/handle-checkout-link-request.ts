import { isInventoryError, openCheckoutLink } from "@acme/platform-core";
import { getShopEnv, shopClientSecret } from "../env.ts";

/**
 * GET /checkout/pay?t=…: the link the checkout answered with. Gives the
 * hold its full term (the buyer has reached the payment page) and sends the
 * browser on to Stripe (303). While Stripe is busy, it waits up to 2 s for
 * the session being prepared, then sends the browser to /checkout/preparing,
 * which says the items are held and comes back here. A hold that lapsed
 * first, a link that is not ours, or a checkout Stripe refused goes to
 * /checkout/lapsed, which says what happened; nothing was charged.
 */
export async function handleCheckoutLinkRequest(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const token = url.searchParams.get("t") ?? "";
  const headers = { "cache-control": "no-store", "referrer-policy": "no-referrer" };
  try {
    const opened = await openCheckoutLink({ token, secret: shopClientSecret(), shopId: getShopEnv().SHOP_ID });
    if (opened.state === "ready") return new Response(null, { status: 303, headers: { ...headers, location: opened.url } });
    const wait = new URLSearchParams({ t: token, until: opened.expiresAt.toISOString(), retry: String(Math.max(1, Math.ceil(opened.retryAfterMs / 1000))) });
    return new Response(null, { status: 303, headers: { ...headers, location: `/checkout/preparing?${wait.toString()}` } });
  } catch (error) {
    const reason = isInventoryError(error, "conflict")
      ? "lapsed"
      : isInventoryError(error, "not_found")
        ? "invalid"
        : isInventoryError(error, "payment_rejected")
          ? "rejected"
          : isInventoryError(error, "unavailable") && error.details.reason === "not_prepared"
            ? "not_prepared"
            : "unavailable";
    if (reason === "unavailable") console.error(JSON.stringify({ level: "error", event: "checkout_link_failed", message: error instanceof Error ? error.message : String(error) }));
    return new Response(null, { status: 303, headers: { ...headers, location: `/checkout/lapsed?reason=${reason}` } });
  }
}
