import { handleCheckoutSessionRequest } from "@/checkout/handle-checkout-session-request.ts";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return handleCheckoutSessionRequest(request);
}
