import type { IncomingMessage, ServerResponse } from "node:http";
import type { CheckoutSessions } from "../checkout/checkout-sessions.ts";
import type { CouponBook } from "../discounts/coupon-book.ts";
import type { Refunds } from "../refunds/refunds.ts";
import type { RequestLimiter } from "../limits/request-limiter.ts";
import type { RateLimitReason } from "../limits/stripe-limits.ts";
import { endpointOf, matchRoute, unrecognizedUrl, type ApiResult } from "./api-routes.ts";
import { parseStripeForm } from "./form-body.ts";
import type { IdempotencyCache, SavedResponse } from "./idempotency-cache.ts";
import { stripeId } from "./ids.ts";
import {
  invalidRequest,
  outageError,
  rateLimitError,
  StripeApiError,
  type StripeErrorType,
} from "./stripe-api-error.ts";

/** A failure a test queued for the next `POST /v1/checkout/sessions`. */
export interface QueuedFailure {
  status: number;
  message: string;
  type: StripeErrorType;
  code?: string;
  declineCode?: string;
  /**
   * false (default): saved under the idempotency key and answered with
   * `Stripe-Should-Retry: false`, so the SDK surfaces it at once, as Stripe's
   * replayed failures do. true: `Stripe-Should-Retry: true` and not saved, so
   * the SDK's automatic retry succeeds (a transient blip).
   */
  retryable: boolean;
}

/** One API request, for tests that assert what the integration called. */
export interface ApiRequestRecord {
  method: string;
  path: string;
  status: number;
  idempotencyKey: string | null;
  replayed: boolean;
  /** The limiter that refused the request (a 429), or null. */
  rateLimited: RateLimitReason | null;
  /** When the request arrived (wall clock, ms since the epoch). */
  at: number;
}

export interface ApiContext {
  checkout: CheckoutSessions;
  coupons: CouponBook;
  refunds: Refunds;
  idempotency: IdempotencyCache;
  limiter: RequestLimiter;
  /** The status every request fails with during an injected outage, or null. */
  outage: () => number | null;
  failures: QueuedFailure[];
  /** When set, only this key is accepted; otherwise any `sk_test_` key. */
  apiKey: string | undefined;
  apiVersion: string;
  latencyMs: () => number;
  log: (line: string) => void;
  record: (entry: ApiRequestRecord) => void;
}

const MAX_BODY_BYTES = 1_000_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalidRequest("Request body too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function maskKey(key: string): string {
  return `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
}

function authenticate(req: IncomingMessage, context: ApiContext): string {
  const header = req.headers.authorization;
  if (header === undefined || header.trim() === "") {
    throw new StripeApiError({
      status: 401,
      type: "invalid_request_error",
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    });
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  const key = match?.[1];
  if (key === undefined) {
    throw new StripeApiError({
      status: 401,
      type: "invalid_request_error",
      message: "Invalid Authorization header: use Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    });
  }
  if (!key.startsWith("sk_test_") || (context.apiKey !== undefined && key !== context.apiKey)) {
    throw new StripeApiError({
      status: 401,
      type: "invalid_request_error",
      message: `Invalid API Key provided: ${maskKey(key)}`,
      code: "api_key_invalid",
    });
  }
  return key;
}

function send(res: ServerResponse, response: SavedResponse, extra: Record<string, string> = {}): void {
  const headers = { ...response.headers, ...extra, "content-length": String(Buffer.byteLength(response.body)) };
  res.writeHead(response.status, headers);
  res.end(response.body);
}

/** Reads and discards what is left of a request body, so the connection stays reusable. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    req.once("end", resolve);
    req.once("close", resolve);
    req.once("error", () => resolve());
    req.resume();
  });
}

function errorResponse(error: StripeApiError, headers: Record<string, string>, requestId: string): SavedResponse {
  return { status: error.status, body: JSON.stringify(error.toBody(), null, 2), headers, requestId };
}

/**
 * Serves `/v1/...` in the order Stripe's edge would: an injected outage
 * answers everything; then auth (limits are per account); then the rate and
 * concurrency limiters, before the body is read, so a request holds its
 * concurrency slot from arrival until its response (latency included) is
 * sent; then the form, idempotency, routing, and Stripe's error shape.
 * Neither an outage nor a 429 reaches an endpoint, so neither is saved under
 * the idempotency key: Stripe saves "results only after the execution of an
 * endpoint begins".
 */
export async function handleApiRequest(req: IncomingMessage, res: ServerResponse, context: ApiContext): Promise<void> {
  const started = Date.now();
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://emulator");
  const requestId = stripeId("req", 14);
  const idempotencyKey = method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;
  const baseHeaders: Record<string, string> = {
    "content-type": "application/json",
    "request-id": requestId,
    "stripe-version": (req.headers["stripe-version"] as string | undefined) ?? context.apiVersion,
    "cache-control": "no-cache, no-store",
    ...(idempotencyKey === null ? {} : { "idempotency-key": idempotencyKey }),
  };
  const match = matchRoute(method, url.pathname);
  let release = () => {};
  let replayed = false;
  let rateLimited: RateLimitReason | null = null;
  let response: SavedResponse;
  let extraHeaders: Record<string, string> = {};

  try {
    const outage = context.outage();
    if (outage !== null) throw outageError(outage);
    const apiKey = authenticate(req, context);
    const admission = context.limiter.admit(endpointOf(method, url.pathname, match));
    if (!admission.admitted) {
      rateLimited = admission.reason;
      throw rateLimitError();
    }
    release = admission.release;

    const body = method === "POST" ? await readBody(req) : "";
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (method === "POST" && body !== "" && contentType !== "application/x-www-form-urlencoded") {
      throw invalidRequest(
        `Invalid request: unsupported Content-Type ${contentType || "(none)"}. If error persists and you need assistance, please contact support@stripe.com.`,
      );
    }
    const params = parseStripeForm(method === "POST" ? body : url.search.slice(1));
    if (idempotencyKey !== null && idempotencyKey.length > 255) {
      throw invalidRequest("Idempotency key is too long (max 255 characters).", "idempotency_key");
    }
    const fingerprint = `${method} ${url.pathname} ${JSON.stringify(params)}`;
    const found = idempotencyKey === null ? undefined : context.idempotency.lookup(apiKey, idempotencyKey, fingerprint);
    if (found?.kind === "mismatch") {
      throw new StripeApiError({
        status: 400,
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
      });
    }
    if (found?.kind === "replay") {
      replayed = true;
      response = found.response;
      extraHeaders = {
        "idempotent-replayed": "true",
        "original-request": found.response.requestId,
        "request-id": requestId,
      };
    } else {
      let result: ApiResult;
      try {
        if (match === undefined) throw unrecognizedUrl(method, url.pathname);
        result = match.route.handle({
          context,
          params,
          id: match.id,
          requestRef: { id: requestId, idempotency_key: idempotencyKey },
        });
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        result = { status: error.status, body: error.toBody(), saveable: false };
      }
      response = {
        status: result.status,
        body: JSON.stringify(result.body, null, 2),
        headers: { ...baseHeaders, ...result.headers },
        requestId,
      };
      // Saved before any injected latency: a client that times out and
      // retries with the same key gets this response, not a second session.
      if (idempotencyKey !== null && result.saveable)
        context.idempotency.save(apiKey, idempotencyKey, fingerprint, response);
    }
  } catch (error) {
    const apiError =
      error instanceof StripeApiError
        ? error
        : new StripeApiError({
            status: 500,
            type: "api_error",
            message: "An unknown error occurred in the Stripe emulator.",
          });
    if (!(error instanceof StripeApiError)) {
      context.log(
        `stripe-emulator: unexpected error on ${method} ${url.pathname}: ${error instanceof Error ? error.stack : String(error)}`,
      );
    }
    const headers = rateLimited === null ? baseHeaders : { ...baseHeaders, "stripe-rate-limited-reason": rateLimited };
    response = errorResponse(apiError, headers, requestId);
    await drain(req);
  }

  try {
    context.record({
      method,
      path: url.pathname,
      status: response.status,
      idempotencyKey,
      replayed,
      rateLimited,
      at: started,
    });
    const latency = context.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    send(res, response, extraHeaders);
  } finally {
    release();
  }
}
