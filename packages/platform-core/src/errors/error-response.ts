import { ErrorCode } from "./error-codes.ts";
import { InventoryError } from "./inventory-error.ts";
import { toInventoryError } from "./to-inventory-error.ts";

/**
 * Turns any thrown value into a JSON `Response`. Known errors keep their code,
 * message and details; anything else becomes a 500 with no internals.
 */
export function errorResponse(error: unknown, init: { headers?: HeadersInit } = {}): Response {
  const known = toInventoryError(error);
  const body =
    known.code === ErrorCode.internal
      ? { code: known.code, message: "Something went wrong on our side." }
      : known.toJSON();
  const headers = new Headers(init.headers);
  // A 429 says when to come back (sign-in throttling, a client at a hold cap).
  const retryAfter = known.code === ErrorCode.rate_limited ? known.details?.retryAfterSeconds : undefined;
  if (typeof retryAfter === "number" && Number.isFinite(retryAfter) && retryAfter > 0)
    headers.set("retry-after", String(Math.ceil(retryAfter)));
  return Response.json(body, { status: known.status, headers });
}

export { InventoryError };
