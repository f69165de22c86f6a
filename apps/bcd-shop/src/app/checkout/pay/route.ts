import { handleCheckoutLinkRequest } from "@acme/platform-core/route-handlers";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

/** The payment link the checkout answered with: on to Stripe, or to /checkout/preparing or /checkout/lapsed. */
export function GET(request: Request): Promise<Response> {
  return handleCheckoutLinkRequest(request, storefront);
}
