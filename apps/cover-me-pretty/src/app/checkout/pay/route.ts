import { handleCheckoutLinkRequest } from "@/checkout/handle-checkout-link-request.ts";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return handleCheckoutLinkRequest(request);
}
