import { authenticateOperator, errorResponse, InventoryError, readJsonBody } from "@acme/platform-core";
import { isSameOrigin } from "@/lib/auth/same-origin";
import { startSession } from "@/lib/auth/session";
import { getCmsEnv } from "@/env";

export const dynamic = "force-dynamic";

/**
 * The client's address from the header the deployment's proxy sets
 * (`CMS_CLIENT_IP_HEADER`): its right-most entry, the one the nearest proxy
 * wrote. Without that setting there is no address we can trust, and sign-ins
 * are throttled per email only.
 */
function clientKey(request: Request): string | undefined {
  const header = getCmsEnv().clientIpHeader;
  if (!header) return undefined;
  const value = request.headers.get(header)?.split(",").pop()?.trim();
  return value || undefined;
}

export async function POST(request: Request): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  try {
    // Login CSRF: a sign-in form on another site must not sign a browser in.
    if (!isSameOrigin(request)) throw new InventoryError("forbidden", "Sign in from the CMS sign-in page.");
    const body = (await readJsonBody(request, 4 * 1024)) as { email?: unknown; password?: unknown } | null;
    const client = clientKey(request);
    const operator = await authenticateOperator({ email: body?.email, password: body?.password, ...(client ? { clientKey: client } : {}) });
    await startSession(operator);
    return Response.json({ operator: { email: operator.email, name: operator.name, role: operator.role } }, { headers });
  } catch (error) {
    const response = errorResponse(error, { headers });
    const retryAfter = error instanceof InventoryError ? (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
    if (retryAfter) response.headers.set("retry-after", String(retryAfter));
    return response;
  }
}
