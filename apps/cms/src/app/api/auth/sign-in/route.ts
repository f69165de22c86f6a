import { authenticateOperator, errorResponse, InventoryError, readJsonBody } from "@acme/platform-core";
import { isSameOrigin } from "@/lib/auth/same-origin";
import { startSession } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** The client's address as the platform in front of us reports it (Vercel and most proxies set it). */
function clientKey(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || request.headers.get("x-real-ip") || "direct";
}

export async function POST(request: Request): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  try {
    // Login CSRF: a sign-in form on another site must not sign a browser in.
    if (!isSameOrigin(request)) throw new InventoryError("forbidden", "Sign in from the CMS sign-in page.");
    const body = (await readJsonBody(request, 4 * 1024)) as { email?: unknown; password?: unknown } | null;
    const operator = await authenticateOperator({ email: body?.email, password: body?.password, clientKey: clientKey(request) });
    await startSession(operator);
    return Response.json({ operator: { email: operator.email, name: operator.name, role: operator.role } }, { headers });
  } catch (error) {
    const response = errorResponse(error, { headers });
    const retryAfter = error instanceof InventoryError ? (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds : undefined;
    if (retryAfter) response.headers.set("retry-after", String(retryAfter));
    return response;
  }
}
