import type Stripe from "stripe";
import { z } from "zod";
import { getEnv } from "../env.ts";
import { InventoryError, isInventoryError } from "../errors/inventory-error.ts";
import { createInventoryHold } from "../holds/create-inventory-hold.ts";
import { idempotencyKeySchema, ttlSecondsSchema } from "../holds/hold-inputs.ts";
import type { HoldClient, HoldStore } from "../holds/types.ts";
import { cartLineSchema, cartLinesSchema } from "../cart/cart-line.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { cartToInventoryRequests } from "../validation/cart-to-inventory-requests.ts";
import { assertInventoryAvailable } from "../validation/validate-inventory-availability.ts";
import { noteCheckoutStockRejection } from "../metrics/instrument.ts";
import { randomUUID } from "node:crypto";
import { callStripePaced } from "./call-stripe-paced.ts";
import { checkoutTimes } from "./checkout-expiry.ts";
import { permanentError, prepareCheckoutSession, sessionLeaseMs, storedError } from "./prepare-checkout-session.ts";
import { encodeSaleLines } from "./sale-lines.ts";
import { encodeUnitAmounts } from "../returns/checkout-prices.ts";
import { variantKey } from "../variants/variant-key.ts";
import { getSessionRequestStore, type SessionRequestStore } from "./session-request-store.ts";
import { getStripe } from "./stripe-client.ts";
import type { StripePacer } from "./stripe-pacer.ts";

export type InventoryMode = "validate_only" | "reserve_ttl";

/** A cart priced by the shop's server (never by the browser). */
export const checkoutCartSchema = z.object({
  currency: z.string().regex(/^[a-z]{3}$/, "must be a lower-case ISO currency code"),
  lines: cartLinesSchema(
    cartLineSchema.omit({ variantKey: true }).extend({
      name: z.string().trim().min(1, "is required").max(250, "must be at most 250 characters"),
      /** Price of one unit in the currency's minor unit (cents). */
      unitAmount: z.number().int("must be a whole number of minor units").min(0).max(99_999_999),
    }),
  ),
});

export type CheckoutCart = z.input<typeof checkoutCartSchema>;

const discountSchema = z.union([
  z.object({ coupon: z.string().trim().min(1, "is required").max(255) }).strict(),
  z.object({ promotion_code: z.string().trim().min(1, "is required").max(255) }).strict(),
]);

const optionsSchema = z
  .object({
    shopId: z.string(),
    successUrl: z.url("must be an absolute URL"),
    cancelUrl: z.url("must be an absolute URL"),
    inventoryMode: z.enum(["validate_only", "reserve_ttl"]).optional(),
    inventoryHoldTtlSeconds: ttlSecondsSchema.optional(),
    skipInventoryValidation: z.boolean().optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
    customerEmail: z.email("must be an email address").optional(),
    /** Let the buyer enter a promotion code on Stripe's page. */
    allowPromotionCodes: z.boolean().optional(),
    /** Discounts applied up front (Stripe takes one: a coupon or a promotion code id). */
    discounts: z.array(discountSchema).max(1, "Stripe applies at most one discount to a Checkout Session").optional(),
    /**
     * How long this call waits for Stripe (pacing, retries) before answering `preparing`; default
     * STRIPE_CHECKOUT_WAIT_MS.
     */
    waitMs: z.number().int().min(0).max(20_000).optional(),
  })
  .refine((options) => !(options.allowPromotionCodes && options.discounts?.length), {
    path: ["discounts"],
    message: "cannot be combined with allowPromotionCodes (Stripe takes one or the other)",
  });

export interface CreateCheckoutSessionOptions extends z.input<typeof optionsSchema> {
  /** Who checks out (`identifyHoldClient`): the shop's caps and purchase limits count the hold against this client. */
  client?: HoldClient;
  /**
   * The hold lapses after the shop's unopened-hold time unless the buyer
   * opens the payment page (send them through `signCheckoutLink`, never
   * straight to `url`); opening gives it the full term.
   */
  lapseUnopened?: boolean;
  stripe?: Stripe;
  holds?: HoldStore;
  store?: InventoryStore;
  requests?: SessionRequestStore;
  pacer?: StripePacer;
  now?: Date;
}

interface CheckoutSessionCommon {
  inventoryMode: InventoryMode;
  /** The stock hold (reserve_ttl mode). */
  holdId?: string;
  holdExpiresAt?: Date;
  /** With `lapseUnopened`: the hold's expiry once the payment page is opened. */
  holdOpenExpiresAt?: Date;
  sessionExpiresAt: Date;
}

export type CheckoutSessionResult =
  | (CheckoutSessionCommon & {
      status: "ready";
      sessionId: string;
      /** Where to send the buyer (Stripe's hosted page). */
      url: string;
    })
  /**
   * The stock is held and Stripe is busy (rate limits, an outage): the
   * session is being prepared. Ask again (`prepareCheckoutSession`, or the
   * shop's payment link) after `retryAfterMs`, until `holdExpiresAt`.
   */
  | (CheckoutSessionCommon & { status: "preparing"; holdId: string; holdExpiresAt: Date; retryAfterMs: number });

/**
 * Creates a Stripe Checkout Session for a cart after checking live stock.
 * `validate_only` refuses a cart the shelves cannot fill; `reserve_ttl`
 * holds the stock for the configured TTL (see `checkoutTimes`). Steps:
 *
 * 1. Hold the stock (`inventory_insufficient`, `purchase_limit_exceeded`,
 *    `rate_limited` before anything else happens).
 * 2. Write the session request beside the hold: Stripe's parameters and
 *    idempotency key, fixed once.
 * 3. Drive it for up to `waitMs` (`prepareCheckoutSession`): paced under the
 *    account's rate limits and retried while Stripe throttles or fails. The
 *    answer is `ready` with Stripe's URL, or `preparing`: the stock stays
 *    held and any later call finishes the job.
 *
 * Compensation: a permanent refusal (`payment_rejected`, 422) or running out
 * of time to prepare releases the hold at once. A checkout that holds nothing
 * (validate-only, or the `skipInventoryValidation` rollback switch) carries
 * its lines in the session's metadata, and the paid webhook sells them.
 */
export async function createCheckoutSession(
  cart: CheckoutCart,
  options: CreateCheckoutSessionOptions,
): Promise<CheckoutSessionResult> {
  const env = getEnv();
  const parsedCart = parseOrThrow(checkoutCartSchema, cart, "cart");
  const parsed = parseOrThrow(optionsSchema, options, "options");
  const shopId = parseShopId(parsed.shopId);
  const inventoryMode: InventoryMode = parsed.inventoryMode ?? env.INVENTORY_MODE;
  const skip = parsed.skipInventoryValidation ?? env.SKIP_INVENTORY_VALIDATION;
  const now = options.now ?? new Date();
  const ttlSeconds = parsed.inventoryHoldTtlSeconds ?? env.INVENTORY_HOLD_TTL_SECONDS;
  const waitMs = parsed.waitMs ?? env.STRIPE_CHECKOUT_WAIT_MS;
  const requests = cartToInventoryRequests({ lines: parsedCart.lines });

  const sessionRequests = options.requests ?? getSessionRequestStore();
  const explainRefusedHold = async (error: unknown): Promise<never> => {
    if (isInventoryError(error, "inventory_insufficient")) noteCheckoutStockRejection(shopId, now);
    // A replayed key whose checkout Stripe refused: the same cart gets the same answer.
    if (
      isInventoryError(error, "conflict") &&
      typeof error.details.holdId === "string" &&
      error.details.status === "released"
    ) {
      const request = await sessionRequests.get({ shopId, holdId: error.details.holdId });
      if (request?.state === "failed") throw storedError(request);
    }
    throw error;
  };
  let hold: { holdId: string; expiresAt: Date; openExpiresAt: Date | null; created: boolean } | undefined;
  if (!skip && inventoryMode === "reserve_ttl") {
    hold = await createInventoryHold({
      shopId,
      requests,
      ttlSeconds,
      now,
      ...(options.holds ? { store: options.holds } : {}),
      ...(parsed.idempotencyKey ? { idempotencyKey: parsed.idempotencyKey } : {}),
      ...(options.client ? { client: options.client } : {}),
      ...(options.lapseUnopened ? { lapseUnopened: true } : {}),
    }).catch(explainRefusedHold);
  } else if (!skip) {
    await assertInventoryAvailable(shopId, requests, {
      now,
      ...(options.store ? { store: options.store } : {}),
      ...(options.holds ? { holds: options.holds } : {}),
    }).catch(explainRefusedHold);
  }

  const fullExpiry = hold ? (hold.openExpiresAt ?? hold.expiresAt) : new Date(now.getTime() + ttlSeconds * 1000);
  const times = checkoutTimes({ holdExpiresAt: fullExpiry, now });
  const metadata: Record<string, string> = { shop_id: shopId, inventory_mode: skip ? "skipped" : inventoryMode };
  if (hold) metadata.inventory_reservation_id = hold.holdId;
  else {
    // Nothing is held (validate-only, or the rollback switch): the paid webhook sells these lines.
    const lines = encodeSaleLines(requests);
    if (!lines) throw InventoryError.validation([{ field: "cart.lines", message: "too many lines for one checkout" }]);
    Object.assign(metadata, lines);
  }
  // The price of each unit, for refunds (docs/returns.md); a cart whose prices do not fit the keys left goes without.
  Object.assign(
    metadata,
    encodeUnitAmounts(
      parsedCart.lines.map((line) => ({
        sku: line.sku,
        variantKey: variantKey(line.variantAttributes),
        unitAmount: line.unitAmount,
      })),
      metadata,
    ) ?? {},
  );
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: "payment",
    line_items: parsedCart.lines.map((line) => ({
      quantity: line.quantity,
      price_data: { currency: parsedCart.currency, unit_amount: line.unitAmount, product_data: { name: line.name } },
    })),
    success_url: parsed.successUrl,
    cancel_url: parsed.cancelUrl,
    expires_at: Math.floor(times.sessionExpiresAt.getTime() / 1000),
    metadata,
    ...(hold ? { client_reference_id: hold.holdId } : {}),
    ...(parsed.customerEmail ? { customer_email: parsed.customerEmail } : {}),
    ...(parsed.allowPromotionCodes ? { allow_promotion_codes: true } : {}),
    ...(parsed.discounts?.length ? { discounts: parsed.discounts } : {}),
  };
  const stripe = options.stripe ?? getStripe();

  if (!hold)
    return createUnheldSession({
      stripe,
      params,
      waitMs,
      inventoryMode,
      sessionExpiresAt: times.sessionExpiresAt,
      ...(options.pacer ? { pacer: options.pacer } : {}),
    });

  // Keyed by the hold: a replayed idempotency key replays the hold and so the
  // request and its session, while a hold made after a failed attempt gets a
  // fresh key (Stripe stores failures under a key too).
  const { request, created } = await sessionRequests.create({
    shopId,
    holdId: hold.holdId,
    state: "preparing",
    params,
    stripeIdempotencyKey: `checkout:${shopId}:${hold.holdId}`,
    sessionId: null,
    url: null,
    sessionExpiresAt: times.sessionExpiresAt,
    prepareBy: times.prepareBy,
    attempts: 0,
    nextAttemptAt: now,
    // Written already taken for its first attempt, which this call makes now (the lease from the
    // clock's time now, after the hold: a hold may have waited for its shop's deciding transaction).
    leaseUntil: new Date(Date.now() + sessionLeaseMs(waitMs)),
    leaseId: randomUUID(),
    errorCode: null,
    errorMessage: null,
    errorParam: null,
    sessionClosedAt: null,
    createdAt: now,
    updatedAt: now,
  });
  const prepared = await prepareCheckoutSession({
    shopId,
    holdId: hold.holdId,
    budgetMs: waitMs,
    stripe,
    requests: sessionRequests,
    ...(created ? { taken: request } : {}),
    ...(options.holds ? { holds: options.holds } : {}),
    ...(options.pacer ? { pacer: options.pacer } : {}),
  });
  const common = {
    inventoryMode,
    holdId: hold.holdId,
    holdExpiresAt: hold.expiresAt,
    sessionExpiresAt: prepared.sessionExpiresAt,
    ...(hold.openExpiresAt ? { holdOpenExpiresAt: hold.openExpiresAt } : {}),
  };
  if (prepared.state === "ready")
    return { ...common, status: "ready", sessionId: prepared.sessionId, url: prepared.url };
  return { ...common, status: "preparing", retryAfterMs: prepared.retryAfterMs };
}

/**
 * A checkout that holds nothing: nothing can be lost while Stripe is busy,
 * so it is tried within the wait and then refused (`unavailable`, retry).
 */
async function createUnheldSession(input: {
  stripe: Stripe;
  params: Stripe.Checkout.SessionCreateParams;
  waitMs: number;
  inventoryMode: InventoryMode;
  sessionExpiresAt: Date;
  pacer?: StripePacer;
}): Promise<CheckoutSessionResult> {
  // One key per call, so a retry after a timeout cannot make a second session.
  const result = await callStripePaced({
    endpoint: "create_checkout_session",
    budgetMs: input.waitMs,
    idempotencyKey: `checkout:unheld:${randomUUID()}`,
    call: (idempotencyKey) =>
      input.stripe.checkout.sessions.create(input.params, idempotencyKey ? { idempotencyKey } : undefined),
    ...(input.pacer ? { pacer: input.pacer } : {}),
  });
  if (!result.ok) {
    if (result.failure.kind === "permanent") throw permanentError(result.failure);
    throw new InventoryError("unavailable", "The payment provider is busy. Nothing was charged; please try again.", {
      details: {
        retryAfterSeconds: Math.max(
          1,
          Math.ceil(("retryInMs" in result.failure ? result.failure.retryInMs : 1000) / 1000),
        ),
      },
    });
  }
  const session = result.value;
  if (!session.url)
    throw new InventoryError("unavailable", "The payment provider returned a checkout without a payment page.");
  return {
    status: "ready",
    sessionId: session.id,
    url: session.url,
    inventoryMode: input.inventoryMode,
    sessionExpiresAt: new Date((session.expires_at ?? Math.floor(input.sessionExpiresAt.getTime() / 1000)) * 1000),
  };
}
