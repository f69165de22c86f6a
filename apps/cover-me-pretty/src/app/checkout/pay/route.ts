import { handleCheckoutLinkRequest } from "@acme/platform-core/route-handlers";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return handleCheckoutLinkRequest(request, storefront);
}
