import { lineItemList, readExpand, toCheckoutSession, type SessionRecord } from "../checkout/checkout-session.ts";
import { SessionStateError } from "../checkout/checkout-sessions.ts";
import { toCouponObject, toPromotionCodeObject } from "../discounts/coupon-objects.ts";
import { toChargeObject, toRefundObject } from "../refunds/refund-objects.ts";
import type { StripeEvent } from "../webhooks/stripe-event.ts";
import type { FormObject } from "./form-body.ts";
import type { ApiContext } from "./handle-api-request.ts";
import { asBoolean, asString } from "./read-params.ts";
import { invalidRequest, StripeApiError } from "./stripe-api-error.ts";

/** What an endpoint answers. */
export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Whether an idempotency key may keep this result (false for validation failures). */
  saveable: boolean;
}

export interface RouteRequest {
  context: ApiContext;
  params: FormObject;
  /** The `:id` segment, for routes that have one. */
  id: string;
  /** The API request behind any event the endpoint emits. */
  requestRef: StripeEvent["request"];
}

interface Route {
  method: "GET" | "POST";
  /** Stripe's path template, e.g. `/v1/checkout/sessions/:id/expire`; with the method, the rate limiter's endpoint. */
  path: string;
  handle(request: RouteRequest): ApiResult;
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

function createSession({ context, params }: RouteRequest): ApiResult {
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

function listSessions({ context, params }: RouteRequest): ApiResult {
  const limit = readLimit(params);
  // Newest first, as Stripe lists: by creation time, and within one second
  // (`created` counts seconds) the later-created first.
  let sessions = [...context.checkout.all()].reverse().sort((a, b) => b.created - a.created);
  for (const session of sessions) context.checkout.expireIfDue(session);
  if (typeof params.status === "string") sessions = sessions.filter((s) => s.status === params.status);
  if (typeof params.payment_intent === "string")
    sessions = sessions.filter((s) => s.paymentIntentId === params.payment_intent);
  if (typeof params.starting_after === "string") {
    const index = sessions.findIndex((s) => s.id === params.starting_after);
    if (index === -1) throw missingSession(params.starting_after);
    sessions = sessions.slice(index + 1);
  }
  const page = sessions.slice(0, limit);
  return {
    status: 200,
    saveable: true,
    body: {
      object: "list",
      data: page.map((s) => toCheckoutSession(s)),
      has_more: sessions.length > limit,
      url: "/v1/checkout/sessions",
    },
  };
}

function retrieveSession({ context, params, id }: RouteRequest): ApiResult {
  const expand = readExpand(params.expand);
  return { status: 200, body: toCheckoutSession(findSession(context, id), expand), saveable: true };
}

function listSessionLineItems({ context, params, id }: RouteRequest): ApiResult {
  const session = findSession(context, id);
  const expand = readExpand(
    params.expand === undefined
      ? undefined
      : [params.expand].flat().map((item) => (typeof item === "string" ? `line_items.${item}` : item)),
  );
  return { status: 200, body: lineItemList(session, expand.has("line_items.data.price.product")), saveable: true };
}

function expireSession({ context, params, id, requestRef }: RouteRequest): ApiResult {
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

const NOTHING_EXPANDABLE: ReadonlySet<string> = new Set();
const PROMOTION_CODE_EXPANDABLE: ReadonlySet<string> = new Set(["promotion.coupon"]);

function readLimit(params: FormObject): number {
  const limit = Number(typeof params.limit === "string" ? params.limit : "10");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidRequest("Invalid integer: limit must be between 1 and 100.", "limit");
  }
  return limit;
}

function createCoupon({ context, params }: RouteRequest): ApiResult {
  readExpand(params.expand, NOTHING_EXPANDABLE);
  const coupon = context.coupons.createCoupon(params);
  return { status: 200, body: toCouponObject(coupon, context.coupons), saveable: true };
}

function retrieveCoupon({ context, params, id }: RouteRequest): ApiResult {
  readExpand(params.expand, NOTHING_EXPANDABLE);
  const coupon = context.coupons.coupon(id);
  if (coupon === undefined)
    throw new StripeApiError({
      status: 404,
      type: "invalid_request_error",
      message: `No such coupon: '${id}'`,
      param: "id",
      code: "resource_missing",
    });
  return { status: 200, body: toCouponObject(coupon, context.coupons), saveable: true };
}

function createPromotionCode({ context, params }: RouteRequest): ApiResult {
  const expand = readExpand(params.expand, PROMOTION_CODE_EXPANDABLE);
  const promo = context.coupons.createPromotionCode(params);
  return {
    status: 200,
    body: toPromotionCodeObject(promo, context.coupons, expand.has("promotion.coupon")),
    saveable: true,
  };
}

function retrievePromotionCode({ context, params, id }: RouteRequest): ApiResult {
  const expand = readExpand(params.expand, PROMOTION_CODE_EXPANDABLE);
  const promo = context.coupons.promotionCode(id);
  if (promo === undefined) {
    throw new StripeApiError({
      status: 404,
      type: "invalid_request_error",
      message: `No such promotion code: '${id}'`,
      param: "id",
      code: "resource_missing",
    });
  }
  return {
    status: 200,
    body: toPromotionCodeObject(promo, context.coupons, expand.has("promotion.coupon")),
    saveable: true,
  };
}

/** `GET /v1/promotion_codes`: newest first, filtered by `code` (case-insensitive), `coupon` and `active`. */
function listPromotionCodes({ context, params }: RouteRequest): ApiResult {
  const limit = readLimit(params);
  const expand = readExpand(params.expand, new Set(["data.promotion.coupon"]));
  const code = asString(params.code, "code")?.toLowerCase();
  const coupon = asString(params.coupon, "coupon");
  const active = asBoolean(params.active, "active");
  const codes = [...context.coupons.allPromotionCodes()]
    .reverse()
    .map((promo) => toPromotionCodeObject(promo, context.coupons, expand.has("data.promotion.coupon")))
    .filter((promo) => code === undefined || promo.code.toLowerCase() === code)
    .filter(
      (promo) =>
        coupon === undefined ||
        (typeof promo.promotion.coupon === "string" ? promo.promotion.coupon : promo.promotion.coupon.id) === coupon,
    )
    .filter((promo) => active === undefined || promo.active === active);
  return {
    status: 200,
    saveable: true,
    body: { object: "list", data: codes.slice(0, limit), has_more: codes.length > limit, url: "/v1/promotion_codes" },
  };
}

function createRefund({ context, params, requestRef }: RouteRequest): ApiResult {
  readExpand(params.expand, NOTHING_EXPANDABLE);
  const { refund } = context.refunds.create(params, requestRef);
  return { status: 200, body: toRefundObject(refund), saveable: true };
}

/** `GET /v1/refunds`: newest first, filtered by `charge` or `payment_intent`. */
function listRefunds({ context, params }: RouteRequest): ApiResult {
  const limit = readLimit(params);
  readExpand(params.expand, NOTHING_EXPANDABLE);
  const charge = asString(params.charge, "charge");
  const paymentIntent = asString(params.payment_intent, "payment_intent");
  let refunds = [...context.refunds.all()]
    .reverse()
    .filter((refund) => charge === undefined || refund.chargeId === charge)
    .filter((refund) => paymentIntent === undefined || refund.paymentIntentId === paymentIntent);
  if (typeof params.starting_after === "string") {
    const index = refunds.findIndex((refund) => refund.id === params.starting_after);
    if (index === -1) throw missingRefund(params.starting_after);
    refunds = refunds.slice(index + 1);
  }
  return {
    status: 200,
    saveable: true,
    body: {
      object: "list",
      data: refunds.slice(0, limit).map(toRefundObject),
      has_more: refunds.length > limit,
      url: "/v1/refunds",
    },
  };
}

function missingRefund(id: string): StripeApiError {
  return new StripeApiError({
    status: 404,
    type: "invalid_request_error",
    message: `No such refund: '${id}'`,
    param: "id",
    code: "resource_missing",
  });
}

function retrieveRefund({ context, params, id }: RouteRequest): ApiResult {
  readExpand(params.expand, NOTHING_EXPANDABLE);
  const refund = context.refunds.find(id);
  if (refund === undefined) throw missingRefund(id);
  return { status: 200, body: toRefundObject(refund), saveable: true };
}

function retrieveCharge({ context, params, id }: RouteRequest): ApiResult {
  const expand = readExpand(params.expand, new Set(["refunds"]));
  const charge = context.refunds.charge(id);
  if (charge === undefined)
    throw new StripeApiError({
      status: 404,
      type: "invalid_request_error",
      message: `No such charge: '${id}'`,
      param: "id",
      code: "resource_missing",
    });
  return {
    status: 200,
    body: toChargeObject(charge, context.refunds.refundsOf(charge.id), { expandRefunds: expand.has("refunds") }),
    saveable: true,
  };
}

/** Every endpoint the emulator serves. */
const ROUTES: readonly Route[] = [
  { method: "POST", path: "/v1/checkout/sessions", handle: createSession },
  { method: "GET", path: "/v1/checkout/sessions", handle: listSessions },
  { method: "GET", path: "/v1/checkout/sessions/:id", handle: retrieveSession },
  { method: "GET", path: "/v1/checkout/sessions/:id/line_items", handle: listSessionLineItems },
  { method: "POST", path: "/v1/checkout/sessions/:id/expire", handle: expireSession },
  { method: "POST", path: "/v1/coupons", handle: createCoupon },
  { method: "GET", path: "/v1/coupons/:id", handle: retrieveCoupon },
  { method: "POST", path: "/v1/promotion_codes", handle: createPromotionCode },
  { method: "GET", path: "/v1/promotion_codes", handle: listPromotionCodes },
  { method: "GET", path: "/v1/promotion_codes/:id", handle: retrievePromotionCode },
  { method: "POST", path: "/v1/refunds", handle: createRefund },
  { method: "GET", path: "/v1/refunds", handle: listRefunds },
  { method: "GET", path: "/v1/refunds/:id", handle: retrieveRefund },
  { method: "GET", path: "/v1/charges/:id", handle: retrieveCharge },
];

export interface MatchedRoute {
  route: Route;
  id: string;
}

/** The route for a request, with its `:id` segment (decoded). */
export function matchRoute(method: string, pathname: string): MatchedRoute | undefined {
  const segments = pathname.split("/").filter(Boolean);
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const template = route.path.split("/").filter(Boolean);
    if (template.length !== segments.length) continue;
    let id = "";
    const matches = template.every((part, index) => {
      const segment = segments[index] as string;
      if (part !== ":id") return part === segment;
      try {
        id = decodeURIComponent(segment);
      } catch {
        id = segment;
      }
      return true;
    });
    if (matches) return { route, id };
  }
  return undefined;
}

/** The endpoint a request counts against: method and path template, or the raw path when nothing matches. */
export function endpointOf(method: string, pathname: string, match: MatchedRoute | undefined): string {
  return `${method} ${match === undefined ? pathname : match.route.path}`;
}

export function unrecognizedUrl(method: string, pathname: string): StripeApiError {
  return new StripeApiError({
    status: 404,
    type: "invalid_request_error",
    message: `Unrecognized request URL (${method}: ${pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}
