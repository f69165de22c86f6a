import type { IncomingMessage, ServerResponse } from "node:http";
import { lineItemList, readExpand, toCheckoutSession, type SessionRecord } from "../checkout/checkout-session.ts";
import { SessionStateError, type CheckoutSessions } from "../checkout/checkout-sessions.ts";
import { parseStripeForm, type FormObject } from "./form-body.ts";
import { IdempotencyCache, type SavedResponse } from "./idempotency-cache.ts";
import { stripeId } from "./ids.ts";
import { invalidRequest, StripeApiError, type StripeErrorType } from "./stripe-api-error.ts";

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
  /** When the request arrived (wall clock, ms since the epoch). */
  at: number;
}

export interface ApiContext {
  checkout: CheckoutSessions;
  idempotency: IdempotencyCache;
  failures: QueuedFailure[];
  /** When set, only this key is accepted; otherwise any `sk_test_` key. */
  apiKey: string | undefined;
  apiVersion: string;
  latencyMs: () => number;
  log: (line: string) => void;
  record: (entry: ApiRequestRecord) => void;
}

interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Whether an idempotency key may keep this result (false for validation failures). */
  saveable: boolean;
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

function missingSession(id: string): StripeApiError {
  return new StripeApiError({
    status: 404,
    type: "invalid_request_error",
    message: `No such checkout.session: '${id}'`,
    param: "session",
    code: "resource_missing",
  });
}

function findSession(context: ApiContext, id: string): SessionRecord {
  const session = context.checkout.find(id);
  if (session === undefined) throw missingSession(id);
  context.checkout.expireIfDue(session);
  return session;
}

function listSessions(context: ApiContext, query: FormObject): ApiResult {
  const limitText = typeof query.limit === "string" ? query.limit : "10";
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidRequest("Invalid integer: limit must be between 1 and 100.", "limit");
  }
  // Newest first, as Stripe lists: by creation time, and within one second
  // (`created` counts seconds) the later-created first.
  let sessions = [...context.checkout.all()].reverse().sort((a, b) => b.created - a.created);
  for (const session of sessions) context.checkout.expireIfDue(session);
  if (typeof query.status === "string") sessions = sessions.filter((s) => s.status === query.status);
  if (typeof query.payment_intent === "string") sessions = sessions.filter((s) => s.paymentIntentId === query.payment_intent);
  if (typeof query.starting_after === "string") {
    const index = sessions.findIndex((s) => s.id === query.starting_after);
    if (index === -1) throw missingSession(query.starting_after);
    sessions = sessions.slice(index + 1);
  }
  const page = sessions.slice(0, limit);
  return {
    status: 200,
    saveable: true,
    body: { object: "list", data: page.map((s) => toCheckoutSession(s)), has_more: sessions.length > limit, url: "/v1/checkout/sessions" },
  };
}

function route(method: string, path: string, params: FormObject, context: ApiContext, requestRef: { id: string; idempotency_key: string | null }): ApiResult {
  const segments = path.split("/").filter(Boolean);
  const [version, group, resource, id, action] = segments;
  if (version === "v1" && group === "checkout" && resource === "sessions" && segments.length <= 5) {
    if (method === "POST" && id === undefined) {
      const failure = context.failures.shift();
      if (failure !== undefined) {
        const error = new StripeApiError({
          status: failure.status,
          type: failure.type,
          message: failure.message,
          ...(failure.code === undefined ? {} : { code: failure.code }),
          ...(failure.declineCode === undefined ? {} : { declineCode: failure.declineCode }),
        });
        return {
          status: failure.status,
          body: error.toBody(),
          headers: { "stripe-should-retry": failure.retryable ? "true" : "false" },
          saveable: !failure.retryable,
        };
      }
      const expand = readExpand(params.expand);
      const session = context.checkout.create(params);
      return { status: 200, body: toCheckoutSession(session, expand), saveable: true };
    }
    if (method === "GET" && id === undefined) return listSessions(context, params);
    if (id !== undefined && method === "GET" && action === undefined) {
      const expand = readExpand(params.expand);
      return { status: 200, body: toCheckoutSession(findSession(context, id), expand), saveable: true };
    }
    if (id !== undefined && method === "GET" && action === "line_items") {
      const session = findSession(context, id);
      const expand = readExpand(
        params.expand === undefined ? undefined : [params.expand].flat().map((item) => (typeof item === "string" ? `line_items.${item}` : item)),
      );
      return { status: 200, body: lineItemList(session, expand.has("line_items.data.price.product")), saveable: true };
    }
    if (id !== undefined && method === "POST" && action === "expire") {
      findSession(context, id);
      const expand = readExpand(params.expand);
      try {
        const { session } = context.checkout.expire(id, requestRef);
        return { status: 200, body: toCheckoutSession(session, expand), saveable: true };
      } catch (error) {
        if (error instanceof SessionStateError) throw invalidRequest(error.message);
        throw error;
      }
    }
  }
  throw new StripeApiError({
    status: 404,
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

function send(res: ServerResponse, response: SavedResponse, extra: Record<string, string> = {}): void {
  const headers = { ...response.headers, ...extra, "content-length": String(Buffer.byteLength(response.body)) };
  res.writeHead(response.status, headers);
  res.end(response.body);
}

/** Serves `/v1/...`: auth, form parsing, idempotency, routing, and Stripe's error shape. */
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
  let replayed = false;
  let response: SavedResponse;
  let extraHeaders: Record<string, string> = {};

  try {
    const body = method === "POST" ? await readBody(req) : "";
    const apiKey = authenticate(req, context);
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
      extraHeaders = { "idempotent-replayed": "true", "original-request": found.response.requestId, "request-id": requestId };
    } else {
      let result: ApiResult;
      try {
        result = route(method, url.pathname, params, context, { id: requestId, idempotency_key: idempotencyKey });
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
      if (idempotencyKey !== null && result.saveable) context.idempotency.save(apiKey, idempotencyKey, fingerprint, response);
    }
  } catch (error) {
    const apiError =
      error instanceof StripeApiError
        ? error
        : new StripeApiError({ status: 500, type: "api_error", message: "An unknown error occurred in the Stripe emulator." });
    if (!(error instanceof StripeApiError)) {
      context.log(`stripe-emulator: unexpected error on ${method} ${url.pathname}: ${error instanceof Error ? error.stack : String(error)}`);
    }
    response = { status: apiError.status, body: JSON.stringify(apiError.toBody(), null, 2), headers: baseHeaders, requestId };
  }

  context.record({ method, path: url.pathname, status: response.status, idempotencyKey, replayed, at: started });
  const latency = context.latencyMs();
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  send(res, response, extraHeaders);
}
