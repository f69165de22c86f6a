import { isInventoryError, openCheckoutLink } from "@acme/platform-core";
import { getShopEnv, shopClientSecret } from "../env.ts";

/**
 * GET /checkout/pay?t=…: the link the checkout answered with. Gives the
 * hold its full term (the buyer has reached the payment page) and sends the
 * browser on to Stripe (303). A hold that lapsed first, or a link that is
 * not ours, goes to /checkout/lapsed, which says what happened; nothing
 * was charged either way.
 */
export async function handleCheckoutLinkRequest(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const token = url.searchParams.get("t") ?? "";
  const headers = { "cache-control": "no-store", "referrer-policy": "no-referrer" };
  try {
    const opened = await openCheckoutLink({ token, secret: shopClientSecret(), shopId: getShopEnv().SHOP_ID });
    return new Response(null, { status: 303, headers: { ...headers, location: opened.url } });
  } catch (error) {
    const reason = isInventoryError(error, "conflict") ? "lapsed" : isInventoryError(error, "not_found") ? "invalid" : "unavailable";
    if (reason === "unavailable") console.error(JSON.stringify({ level: "error", event: "checkout_link_failed", message: error instanceof Error ? error.message : String(error) }));
    return new Response(null, { status: 303, headers: { ...headers, location: `/checkout/lapsed?reason=${reason}` } });
  }
}
