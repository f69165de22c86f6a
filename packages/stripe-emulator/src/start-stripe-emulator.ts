import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { handleApiRequest, type ApiRequestRecord, type QueuedFailure } from "./api/handle-api-request.ts";
import { IdempotencyCache } from "./api/idempotency-cache.ts";
import { RequestLimiter } from "./limits/request-limiter.ts";
import { STRIPE_SANDBOX_LIMITS, type RateLimitReason, type StripeLimits } from "./limits/stripe-limits.ts";
import { errorTypeForStatus, type StripeErrorType } from "./api/stripe-api-error.ts";
import { toCheckoutSession, type CheckoutSession } from "./checkout/checkout-session.ts";
import { CheckoutSessions } from "./checkout/checkout-sessions.ts";
import { CouponBook } from "./discounts/coupon-book.ts";
import { toRefundObject, type RefundObject } from "./refunds/refund-objects.ts";
import { Refunds } from "./refunds/refunds.ts";
import type { FormObject } from "./api/form-body.ts";
import {
  toCouponObject,
  toPromotionCodeObject,
  type CouponObject,
  type PromotionCodeObject,
} from "./discounts/coupon-objects.ts";
import { seedCoupons, type CouponSeed } from "./discounts/seed-coupons.ts";
import { handleHostedPageRequest } from "./hosted-page/handle-hosted-page-request.ts";
import { successRedirect } from "./hosted-page/render-checkout-page.ts";
import type { StripeEvent } from "./webhooks/stripe-event.ts";
import {
  WebhookSender,
  type DeliveryAttempt,
  type DeliveryMode,
  type DeliveryResult,
  type RetryPolicy,
} from "./webhooks/webhook-sender.ts";

/**
 * The API version events carry by default: the one the pinned `stripe` SDK
 * speaks, read from the SDK itself so an upgrade moves both at once.
 */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 50, maxDelayMs: 1_000 };

export interface StripeEmulatorOptions {
  /** Endpoint secret webhooks are signed with (`whsec_...`); the receiver verifies with the same value. */
  webhookSecret: string;
  /** Omitted or 0: a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Where events are POSTed. Omitted: events are held until `setWebhookUrl` and `deliverPending`. */
  webhookUrl?: string;
  /** Base URL browsers use for the hosted page (session `url`); default `http://<host>:<port>`. */
  publicUrl?: string;
  /** "auto" (default) delivers each event at once; "manual" holds events for `deliverPending`/`deliver`. */
  deliver?: DeliveryMode;
  /** Webhook retries on non-2xx or unreachable receivers; default 4 attempts, 50 ms doubling to 1 s. */
  retry?: Partial<RetryPolicy>;
  /** Per-attempt webhook timeout; default 10 s. */
  webhookTimeoutMs?: number;
  /** Accept only this secret key; default: any `sk_test_...` key. */
  apiKey?: string;
  /** `api_version` on events; default {@link STRIPE_API_VERSION}. */
  apiVersion?: string;
  /**
   * Delay added to every API response (benchmarks, timeout tests); default 0. A request holds its concurrency slot
   * through it.
   */
  latencyMs?: number;
  /**
   * Stripe's rate and concurrency limits on `/v1/...` (429 with
   * `Stripe-Rate-Limited-Reason` when exceeded). Default
   * {@link STRIPE_SANDBOX_LIMITS}, as a `sk_test_` key gets at Stripe;
   * `STRIPE_LIVE_LIMITS` for live mode's; `false` for none (load tests that
   * measure the platform, not Stripe's ceiling).
   */
  limits?: StripeLimits | false;
  /**
   * The rate limiter's clock (milliseconds, monotonic); default
   * `performance.now`. A test that holds it still gets exact token counts
   * (a burst admits exactly the rate) and moves it to refill the buckets.
   */
  limiterClock?: () => number;
  /**
   * Coupons (and their promotion codes) that exist from the start, e.g.
   * `DEMO_COUPONS` (promotion code `FREE100`, 100% off). More can be made
   * with `POST /v1/coupons` and `POST /v1/promotion_codes`.
   */
  coupons?: readonly CouponSeed[];
  /**
   * Whether charge.refunded events embed the charge's refunds. Default false:
   * the charge alone, as Stripe sends it on current API versions (where
   * `refunds` is only expandable), so a receiver lists them; true embeds
   * them, as older API versions did.
   */
  embedChargeRefunds?: boolean;
  /** Clock in milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** How often open sessions past `expires_at` are expired (with their event); default 1000 ms, 0 turns it off. */
  expirySweepMs?: number;
  log?: (line: string) => void;
}

export interface FailNextCreateOptions {
  /** Stripe error type; default from the status (402 card_error, 5xx api_error, else invalid_request_error). */
  type?: StripeErrorType;
  code?: string;
  declineCode?: string;
  /** true: the SDK's own retry gets through (a transient blip); default false: the SDK surfaces the error. */
  retryable?: boolean;
}

export interface StripeEmulator {
  /** API base URL, e.g. `http://127.0.0.1:12111`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Base URL of the hosted checkout pages. */
  readonly publicUrl: string;
  readonly webhookSecret: string;
  /** Options for `new Stripe(key, stripeConfig)` pointing the official SDK here. */
  readonly stripeConfig: { host: string; port: number; protocol: "http" };
  setWebhookUrl(url: string | undefined): void;
  stop(): Promise<void>;

  /** Every Checkout Session, as the API would return it, oldest first. */
  sessions(): CheckoutSession[];
  session(sessionId: string): CheckoutSession;

  /**
   * The buyer pays by card (`paid`) or, with `delayed`, by bank transfer
   * (complete but `unpaid`); a session whose total is 0 completes as a no-cost
   * order (`no_payment_required`). Sends checkout.session.completed.
   */
  pay(
    sessionId: string,
    options?: { delayed?: boolean },
  ): { session: CheckoutSession; event: StripeEvent<"checkout.session.completed">; redirectUrl: string };
  /** The buyer leaves the page: no event, the session stays open. Returns where the browser goes (cancel_url). */
  cancel(sessionId: string): { session: CheckoutSession; redirectUrl: string | null };
  /** Expires an open session now. Sends checkout.session.expired. */
  expire(sessionId: string): { session: CheckoutSession; event: StripeEvent<"checkout.session.expired"> };
  /** The bank transfer of a delayed payment arrives. Sends checkout.session.async_payment_succeeded. */
  asyncPaymentSucceeded(sessionId: string): {
    session: CheckoutSession;
    event: StripeEvent<"checkout.session.async_payment_succeeded">;
  };
  /** The bank transfer of a delayed payment fails. Sends checkout.session.async_payment_failed. */
  asyncPaymentFailed(sessionId: string): {
    session: CheckoutSession;
    event: StripeEvent<"checkout.session.async_payment_failed">;
  };
  /** Expires every open session whose `expires_at` has passed (by the emulator's clock); returns their ids. */
  expireDue(): string[];

  /**
   * Refunds a paid session's charge as `POST /v1/refunds` does (by `sessionId`,
   * `paymentIntent` or `charge`; `amount` defaults to what is left), with the
   * same refusals. With `pending` the refund waits for `settleRefund`. Sends
   * refund.created and charge.refunded.
   */
  refund(options: {
    sessionId?: string;
    paymentIntent?: string;
    charge?: string;
    amount?: number;
    metadata?: Record<string, string>;
    reason?: "duplicate" | "fraudulent" | "requested_by_customer";
    pending?: boolean;
  }): {
    refund: RefundObject;
    event: StripeEvent<"refund.created">;
    chargeEvent: StripeEvent<"charge.refunded">;
  };
  /** A pending refund succeeds, fails or is canceled. Sends refund.updated. */
  settleRefund(
    refundId: string,
    status: "succeeded" | "failed" | "canceled",
  ): { refund: RefundObject; event: StripeEvent<"refund.updated"> };
  /** Every refund, as `GET /v1/refunds/:id` returns it, oldest first. */
  refunds(): RefundObject[];
  /** Whether charge.refunded events from now on embed the charge's refunds (the `embedChargeRefunds` option). */
  setChargeRefundsEmbedded(embedded: boolean): void;

  /** The next `POST /v1/checkout/sessions` fails with this status and message (once per call). */
  failNextCreate(status: number, message: string, options?: FailNextCreateOptions): void;
  setLatency(ms: number): void;
  /** Replaces the rate and concurrency limits (buckets start full); `false` turns them off. */
  setLimits(limits: StripeLimits | false): void;
  /** The limits in force now. */
  limits(): StripeLimits | false;
  /** How many requests each limiter refused with a 429 since the emulator started. */
  throttled(): Record<RateLimitReason, number>;
  /**
   * Every API request fails with this status (5xx: Stripe's `api_error` body)
   * until `setOutage(null)`; nothing runs and nothing is saved under an
   * idempotency key. The hosted page and webhooks are unaffected.
   */
  setOutage(status: number | null): void;
  /** API requests received (429s and outage failures included), oldest first. */
  requests(): ApiRequestRecord[];

  /** Every coupon, as `GET /v1/coupons/:id` returns it, oldest first. */
  coupons(): CouponObject[];
  /** Every promotion code, as `GET /v1/promotion_codes/:id` returns it, oldest first. */
  promotionCodes(): PromotionCodeObject[];

  /** Every event created, oldest first. */
  events(): StripeEvent[];
  /** Events held and not yet delivered (manual mode, or no webhook URL). */
  pendingEvents(): StripeEvent[];
  /** Delivers held events one after another, in the given order (any order, for out-of-order tests) or oldest first. */
  deliverPending(eventIds?: string[]): Promise<DeliveryResult[]>;
  /** Delivers one event now, with retries. */
  deliver(eventId: string): Promise<DeliveryResult>;
  /** Redelivers an event: same id and body, fresh signature. */
  resend(eventId: string): Promise<DeliveryResult>;
  /** Every delivery attempt, oldest first. */
  deliveries(): DeliveryAttempt[];
  /** The exact body and `Stripe-Signature` header of an event, for a test that posts it itself. */
  signEvent(eventId: string, options?: { timestamp?: number }): { payload: string; signature: string };
  /** Resolves when no webhook delivery is running or waiting to retry. */
  idle(): Promise<void>;
}

/**
 * Starts a local Stripe for tests, benchmarks and the demo: the Checkout
 * Session endpoints the official SDK calls, a hosted checkout page a browser
 * can click through, and webhooks signed exactly as Stripe signs them.
 */
export async function startStripeEmulator(options: StripeEmulatorOptions): Promise<StripeEmulator> {
  if (options.webhookSecret === "") throw new Error("startStripeEmulator: webhookSecret must not be empty");
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const apiVersion = options.apiVersion ?? STRIPE_API_VERSION;
  let latencyMs = options.latencyMs ?? 0;
  let publicUrl = options.publicUrl?.replace(/\/+$/, "") ?? "";

  const sender = new WebhookSender({
    secret: options.webhookSecret,
    url: options.webhookUrl,
    mode: options.deliver ?? "auto",
    retry: { ...DEFAULT_RETRY, ...options.retry },
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
    apiVersion,
    now,
    log,
  });
  const coupons = new CouponBook({ now: () => Math.floor(now() / 1000) });
  seedCoupons(coupons, options.coupons ?? []);
  const checkout = new CheckoutSessions({ sender, coupons, now, publicUrl: () => publicUrl });
  let embedChargeRefunds = options.embedChargeRefunds ?? false;
  const refunds = new Refunds({
    sender,
    checkout,
    now,
    embedChargeRefunds: () => embedChargeRefunds,
  });
  const failures: QueuedFailure[] = [];
  const requestLog: ApiRequestRecord[] = [];
  const idempotency = new IdempotencyCache();
  const limiter = new RequestLimiter({
    limits: options.limits ?? STRIPE_SANDBOX_LIMITS,
    ...(options.limiterClock === undefined ? {} : { clock: options.limiterClock }),
  });
  let outage: number | null = null;

  const apiContext = {
    checkout,
    coupons,
    refunds,
    idempotency,
    limiter,
    outage: () => outage,
    failures,
    apiKey: options.apiKey,
    apiVersion,
    latencyMs: () => latencyMs,
    log,
    record: (entry: ApiRequestRecord) => {
      requestLog.push(entry);
      const note = entry.replayed
        ? " (idempotent replay)"
        : entry.rateLimited === null
          ? ""
          : ` (rate limited: ${entry.rateLimited})`;
      log(`${entry.method} ${entry.path} -> ${entry.status}${note}`);
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith("/v1/")) return handleApiRequest(req, res, apiContext);
    if (await handleHostedPageRequest(req, res, checkout)) return;
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("Not found");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(
        `stripe-emulator: unexpected error on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`,
      );
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("Internal error in the Stripe emulator");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  if (publicUrl === "") publicUrl = url;
  log(
    `Stripe emulator listening on ${url} (hosted pages at ${publicUrl}, webhooks to ${options.webhookUrl ?? "(none yet)"})`,
  );

  const sweepMs = options.expirySweepMs ?? 1_000;
  const sweep = sweepMs > 0 ? setInterval(() => checkout.expireDue(), sweepMs) : undefined;
  sweep?.unref();

  const view = (sessionId: string) => toCheckoutSession(checkout.get(sessionId));
  const withView = <Event extends StripeEvent>({ session, event }: { session: { id: string }; event: Event }) => ({
    session: view(session.id),
    event,
  });
  let stopped: Promise<void> | undefined;

  return {
    url,
    host,
    port,
    publicUrl,
    webhookSecret: options.webhookSecret,
    stripeConfig: { host, port, protocol: "http" },
    setWebhookUrl: (webhookUrl) => sender.setUrl(webhookUrl),
    stop() {
      stopped ??= (async () => {
        if (sweep !== undefined) clearInterval(sweep);
        await sender.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return stopped;
    },

    sessions: () => checkout.all().map((session) => toCheckoutSession(session)),
    session: view,
    pay(sessionId, payOptions = {}) {
      const { session, event } = checkout.pay(sessionId, payOptions);
      return { session: view(session.id), event, redirectUrl: successRedirect(session) };
    },
    cancel(sessionId) {
      const session = checkout.get(sessionId);
      checkout.expireIfDue(session);
      return { session: view(sessionId), redirectUrl: session.cancelUrl };
    },
    expire: (sessionId) => withView(checkout.expire(sessionId)),
    asyncPaymentSucceeded: (sessionId) => withView(checkout.settleAsyncPayment(sessionId, true)),
    asyncPaymentFailed: (sessionId) => withView(checkout.settleAsyncPayment(sessionId, false)),
    expireDue: () => checkout.expireDue(),

    refund(refundOptions) {
      const paymentIntent =
        refundOptions.paymentIntent ??
        (refundOptions.sessionId === undefined ? undefined : checkout.get(refundOptions.sessionId).paymentIntentId);
      const params: FormObject = {
        ...(refundOptions.charge === undefined ? {} : { charge: refundOptions.charge }),
        ...(paymentIntent == null ? {} : { payment_intent: paymentIntent }),
        ...(refundOptions.amount === undefined ? {} : { amount: String(refundOptions.amount) }),
        ...(refundOptions.metadata === undefined ? {} : { metadata: { ...refundOptions.metadata } }),
        ...(refundOptions.reason === undefined ? {} : { reason: refundOptions.reason }),
      };
      const made = refunds.create(
        params,
        { id: null, idempotency_key: null },
        { pending: refundOptions.pending === true },
      );
      return { refund: toRefundObject(made.refund), event: made.created, chargeEvent: made.refunded };
    },
    settleRefund(refundId, status) {
      const settled = refunds.settle(refundId, status);
      return { refund: toRefundObject(settled.refund), event: settled.event };
    },
    refunds: () => refunds.all().map(toRefundObject),
    setChargeRefundsEmbedded(embedded) {
      embedChargeRefunds = embedded;
    },

    failNextCreate(status, message, failOptions = {}) {
      failures.push({
        status,
        message,
        type: failOptions.type ?? errorTypeForStatus(status),
        ...(failOptions.code === undefined ? {} : { code: failOptions.code }),
        ...(failOptions.declineCode === undefined ? {} : { declineCode: failOptions.declineCode }),
        retryable: failOptions.retryable ?? false,
      });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setLimits: (limits) => limiter.setLimits(limits),
    limits: () => limiter.current(),
    throttled: () => limiter.throttled(),
    setOutage(status) {
      if (status !== null && (!Number.isInteger(status) || status < 400 || status > 599)) {
        throw new Error(`setOutage: status must be an HTTP error status (400-599) or null, not ${status}`);
      }
      outage = status;
    },
    requests: () => requestLog.map((entry) => ({ ...entry })),
    coupons: () => coupons.allCoupons().map((coupon) => toCouponObject(coupon, coupons)),
    promotionCodes: () => coupons.allPromotionCodes().map((promo) => toPromotionCodeObject(promo, coupons)),

    events: () => sender.events(),
    pendingEvents: () => sender.pending(),
    deliverPending: (eventIds) => sender.deliverPending(eventIds),
    deliver: (eventId) => sender.deliver(eventId),
    resend: (eventId) => sender.deliver(eventId),
    deliveries: () => sender.deliveries(),
    signEvent: (eventId, signOptions = {}) => sender.sign(eventId, signOptions.timestamp),
    idle: () => sender.idle(),
  };
}
