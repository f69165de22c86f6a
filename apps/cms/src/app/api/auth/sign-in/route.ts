import {
  authenticateOperator,
  clientAddressFrom,
  errorResponse,
  InventoryError,
  readJsonBody,
} from "@acme/platform-core";
import { isSameOrigin } from "@/lib/auth/same-origin";
import { startSession } from "@/lib/auth/session";
import { getCmsEnv } from "@/env";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  try {
    // Login CSRF: a sign-in form on another site must not sign a browser in.
    if (!isSameOrigin(request)) throw new InventoryError("forbidden", "Sign in from the CMS sign-in page.");
    const body = (await readJsonBody(request, 4 * 1024)) as { email?: unknown; password?: unknown } | null;
    // Without CMS_CLIENT_IP_HEADER, no address: sign-ins are throttled per email only.
    const client = clientAddressFrom(request, getCmsEnv().clientIpHeader);
    const operator = await authenticateOperator({
      email: body?.email,
      password: body?.password,
      ...(client ? { clientKey: client } : {}),
    });
    await startSession(operator);
    return Response.json(
      { operator: { email: operator.email, name: operator.name, role: operator.role } },
      { headers },
    );
  } catch (error) {
    const response = errorResponse(error, { headers });
    const retryAfter =
      error instanceof InventoryError
        ? (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds
        : undefined;
    if (retryAfter) response.headers.set("retry-after", String(retryAfter));
    return response;
  }
}
