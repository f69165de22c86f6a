import type { ErrorCode } from "./error-codes.ts";

/** The one mapping from error code to HTTP status. */
export const httpStatusByCode: Record<ErrorCode, number> = {
  inventory_insufficient: 409,
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  unauthorized: 401,
  forbidden: 403,
  purchase_limit_exceeded: 422,
  rate_limited: 429,
  payment_rejected: 422,
  idempotency_key_reused: 409,
  payload_too_large: 413,
  misconfigured: 500,
  internal: 500,
};
