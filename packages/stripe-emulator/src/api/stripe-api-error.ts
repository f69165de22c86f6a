/**
 * Stripe's error `type` values (the API's whole set: `rate_limit_error` and
 * friends were removed from it in 2021, stripe-node 8.164.0's changelog; a
 * 429 is an `invalid_request_error`).
 */
export type StripeErrorType = "api_error" | "card_error" | "idempotency_error" | "invalid_request_error";

export interface StripeErrorBody {
  error: {
    type: StripeErrorType;
    message: string;
    code?: string;
    param?: string;
    decline_code?: string;
    doc_url?: string;
  };
}

/**
 * An API failure with Stripe's status and body. Thrown by endpoint code and
 * turned into a response in one place (the API router).
 */
export class StripeApiError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly declineCode: string | undefined;

  constructor(options: {
    status: number;
    type: StripeErrorType;
    message: string;
    code?: string;
    param?: string;
    declineCode?: string;
  }) {
    super(options.message);
    this.name = "StripeApiError";
    this.status = options.status;
    this.type = options.type;
    this.code = options.code;
    this.param = options.param;
    this.declineCode = options.declineCode;
  }

  toBody(): StripeErrorBody {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code === undefined
          ? {}
          : { code: this.code, doc_url: `https://stripe.com/docs/error-codes/${this.code.replaceAll("_", "-")}` }),
        ...(this.param === undefined ? {} : { param: this.param }),
        ...(this.declineCode === undefined ? {} : { decline_code: this.declineCode }),
      },
    };
  }
}

/** A 400 `invalid_request_error`, the shape of every parameter failure. */
export function invalidRequest(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError({
    status: 400,
    type: "invalid_request_error",
    message,
    ...(param === undefined ? {} : { param }),
    ...(code === undefined ? {} : { code }),
  });
}

/** The error type Stripe uses for a status when a test does not name one. */
export function errorTypeForStatus(status: number): StripeErrorType {
  if (status === 402) return "card_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/**
 * The body of a request a limiter refused (HTTP 429). Since API version
 * 2015-09-08 Stripe answers rate limits with 429 and "no longer return[s] a
 * `rate_limit` error code" (docs.stripe.com/changelog/2015-09-08), so there is
 * no `code`; which limiter it was is in the `Stripe-Rate-Limited-Reason` header.
 */
export function rateLimitError(): StripeApiError {
  return new StripeApiError({
    status: 429,
    type: "invalid_request_error",
    message: "Request rate limit exceeded. Learn more about rate limits here https://docs.stripe.com/rate-limits.",
  });
}

/** What every API request gets during an injected outage (`setOutage(status)`). */
export function outageError(status: number): StripeApiError {
  return new StripeApiError({
    status,
    type: errorTypeForStatus(status),
    message:
      status >= 500
        ? "An unknown error occurred while processing your request. Stripe is unavailable (outage injected in the Stripe emulator)."
        : "Your request could not be processed (outage injected in the Stripe emulator).",
  });
}
