/** Stable error codes. Clients match on these; messages may change. */
export const ErrorCode = {
  /** Not enough available stock for at least one requested line. */
  inventory_insufficient: "inventory_insufficient",
  /** Input failed validation; `details.errors` lists field and reason. */
  validation_failed: "validation_failed",
  /** The shop, variant or hold does not exist. */
  not_found: "not_found",
  /** The change conflicts with current state (stale version, held units, wrong status). */
  conflict: "conflict",
  /** A dependency (database, lock, remote authority) cannot answer now; retry later. */
  unavailable: "unavailable",
  /** Missing or wrong credentials. */
  unauthorized: "unauthorized",
  /** Credentials are valid but do not grant this action. */
  forbidden: "forbidden",
  /**
   * A line is over its variant's purchase limit (`details.lines`: sku,
   * variantKey, requested, limit, alreadyHeld), or a cart alone is over the
   * shop's held-units cap (`details.cap`, `details.limit`). Retrying the same cart never helps.
   */
  purchase_limit_exceeded: "purchase_limit_exceeded",
  /**
   * Too many attempts (failed sign-ins), or a client at a cap on active holds
   * or held units (`details.cap`); retry after `details.retryAfterSeconds`.
   */
  rate_limited: "rate_limited",
  /**
   * The payment provider refused the checkout for good (an amount under its
   * minimum charge, an unsupported currency, parameters it does not take):
   * `details.provider` names its code, param and message. Nothing is held;
   * retrying the same cart never helps.
   */
  payment_rejected: "payment_rejected",
  /** An idempotency key was sent again with a different request; nothing changed. Use a new key. */
  idempotency_key_reused: "idempotency_key_reused",
  /** The request body or upload exceeds its size limit. */
  payload_too_large: "payload_too_large",
  /** A configuration error: the process cannot run as configured. */
  misconfigured: "misconfigured",
  /** Anything unexpected. Never carries internals to the client. */
  internal: "internal",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
