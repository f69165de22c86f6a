import type Stripe from "stripe";
import { z } from "zod";
import { getEnv } from "../env.ts";
import { InventoryError, isInventoryError } from "../errors/inventory-error.ts";
import { createInventoryHold } from "../holds/create-inventory-hold.ts";
import { idempotencyKeySchema, ttlSecondsSchema } from "../holds/hold-inputs.ts";
import { releaseInventoryHold } from "../holds/release-inventory-hold.ts";
import { getHoldStore } from "../holds/get-hold-store.ts";
import type { HoldClient, HoldStore } from "../holds/types.ts";
import { parseOrThrow, parseShopId, productIdSchema, skuSchema, variantAttributesSchema } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { MAX_QUANTITY } from "../inventory/types.ts";
import { cartToInventoryRequests } from "../validation/cart-to-inventory-requests.ts";
import { assertInventoryAvailable } from "../validation/validate-inventory-availability.ts";
import { sendOpsAlert } from "../alerts/send-ops-alert.ts";
import { noteCheckoutStockRejection } from "../metrics/instrument.ts";
import { checkoutTimes, HOLD_GRACE_SECONDS } from "./checkout-expiry.ts";
import { encodeSaleLines } from "./sale-lines.ts";
import { getStripe } from "./stripe-client.ts";

export type InventoryMode = "validate_only" | "reserve_ttl";

/** A cart priced by the shop's server (never by the browser). */
export const checkoutCartSchema = z.object({
  currency: z.string().regex(/^[a-z]{3}$/, "must be a lower-case ISO currency code"),
  lines: z
    .array(
      z.object({
        sku: skuSchema,
        productId: productIdSchema.optional(),
        variantAttributes: variantAttributesSchema.optional(),
        name: z.string().trim().min(1, "is required").max(250, "must be at most 250 characters"),
        /** Price of one unit in the currency's minor unit (cents). */
        unitAmount: z.number().int("must be a whole number of minor units").min(0).max(99_999_999),
        quantity: z.number().int("must be a whole number").min(1, "must be at least 1").max(MAX_QUANTITY),
      }),
    )
    .min(1, "must have at least one line")
    .max(100, "must have at most 100 lines"),
});

export type CheckoutCart = z.input<typeof checkoutCartSchema>;

const optionsSchema = z.object({
  shopId: z.string(),
  successUrl: z.url("must be an absolute URL"),
  cancelUrl: z.url("must be an absolute URL"),
  inventoryMode: z.enum(["validate_only", "reserve_ttl"]).optional(),
  inventoryHoldTtlSeconds: ttlSecondsSchema.optional(),
  skipInventoryValidation: z.boolean().optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
  customerEmail: z.email("must be an email address").optional(),
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
  now?: Date;
}

export interface CheckoutSessionResult {
  sessionId: string;
  /** Where to send the buyer (Stripe's hosted page). */
  url: string;
  inventoryMode: InventoryMode;
  /** The stock hold (reserve_ttl mode). */
  holdId?: string;
  holdExpiresAt?: Date;
  /** With `lapseUnopened`: the hold's expiry once the payment page is opened. */
  holdOpenExpiresAt?: Date;
  sessionExpiresAt: Date;
}

/**
 * Creates a Stripe Checkout Session for a cart after checking live stock:
 * `validate_only` refuses a cart the shelves cannot fill; `reserve_ttl` also
 * holds the stock until the session expires (see `checkoutTimes`). Fails with
 * `inventory_insufficient` (details.items) before anything is charged, and
 * with `unavailable` if Stripe cannot be reached, in which case the hold is
 * released at once: nothing leaks. `skipInventoryValidation` (or
 * `SKIP_INVENTORY_VALIDATION=1`) is the operators' rollback switch.
 */
export async function createCheckoutSession(cart: CheckoutCart, options: CreateCheckoutSessionOptions): Promise<CheckoutSessionResult> {
  const env = getEnv();
  const parsedCart = parseOrThrow(checkoutCartSchema, cart, "cart");
  const parsed = parseOrThrow(optionsSchema, options, "options");
  const shopId = parseShopId(parsed.shopId);
  const inventoryMode: InventoryMode = parsed.inventoryMode ?? env.INVENTORY_MODE;
  const skip = parsed.skipInventoryValidation ?? env.SKIP_INVENTORY_VALIDATION;
  const now = options.now ?? new Date();
  const times = checkoutTimes({ requestedTtlSeconds: parsed.inventoryHoldTtlSeconds ?? env.INVENTORY_HOLD_TTL_SECONDS, now });
  const requests = cartToInventoryRequests({ lines: parsedCart.lines });

  const countStockRejection = (error: unknown): never => {
    if (isInventoryError(error, "inventory_insufficient")) noteCheckoutStockRejection(shopId, now);
    throw error;
  };
  let hold: { holdId: string; expiresAt: Date; openExpiresAt: Date | null; created: boolean } | undefined;
  if (!skip && inventoryMode === "reserve_ttl") {
    hold = await createInventoryHold({
      shopId,
      requests,
      ttlSeconds: times.holdTtlSeconds,
      now,
      ...(options.holds ? { store: options.holds } : {}),
      ...(parsed.idempotencyKey ? { idempotencyKey: parsed.idempotencyKey } : {}),
      ...(options.client ? { client: options.client } : {}),
      ...(options.lapseUnopened ? { lapseUnopened: true } : {}),
    }).catch(countStockRejection);
  } else if (!skip) {
    await assertInventoryAvailable(shopId, requests, {
      now,
      ...(options.store ? { store: options.store } : {}),
      ...(options.holds ? { holds: options.holds } : {}),
    }).catch(countStockRejection);
  }

  // A replayed idempotency key must send Stripe the very same parameters, so
  // the session expiry is derived from the (replayed) hold, not from `now`:
  // from the full term it gets when opened, for a hold that lapses unopened.
  const sessionExpiresAt = hold
    ? new Date((hold.openExpiresAt ?? hold.expiresAt).getTime() - HOLD_GRACE_SECONDS * 1000)
    : times.sessionExpiresAt;

  const metadata: Record<string, string> = { shop_id: shopId, inventory_mode: skip ? "skipped" : inventoryMode };
  if (hold) metadata.inventory_reservation_id = hold.holdId;
  else if (!skip) {
    // Validate-only checkouts hold nothing: the paid webhook sells these lines.
    const lines = encodeSaleLines(requests);
    if (!lines) throw InventoryError.validation([{ field: "cart.lines", message: "too many lines for one checkout" }]);
    Object.assign(metadata, lines);
  }

  const stripe = options.stripe ?? getStripe();
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create(
      {
        mode: "payment",
        line_items: parsedCart.lines.map((line) => ({
          quantity: line.quantity,
          price_data: { currency: parsedCart.currency, unit_amount: line.unitAmount, product_data: { name: line.name } },
        })),
        success_url: parsed.successUrl,
        cancel_url: parsed.cancelUrl,
        expires_at: Math.floor(sessionExpiresAt.getTime() / 1000),
        metadata,
        ...(hold ? { client_reference_id: hold.holdId } : {}),
        ...(parsed.customerEmail ? { customer_email: parsed.customerEmail } : {}),
      },
      // Keyed by the hold: a replayed idempotency key replays the hold and so
      // the session, while a hold made after a failed attempt gets a fresh key
      // (Stripe stores failures under a key too). A validate-only retry simply
      // makes a new session: it holds nothing.
      hold ? { idempotencyKey: `checkout:${shopId}:${hold.holdId}` } : undefined,
    );
  } catch (error) {
    await releaseOwnHold(shopId, hold, options);
    throw new InventoryError("unavailable", "The payment provider could not start the checkout. Nothing was charged; please try again.", {
      cause: error,
    });
  }
  if (!session.url) {
    await releaseOwnHold(shopId, hold, options);
    throw new InventoryError("unavailable", "The payment provider returned a checkout without a payment page.");
  }
  if (hold) await attachSession(shopId, hold.holdId, session.id, options);
  return {
    sessionId: session.id,
    url: session.url,
    inventoryMode,
    sessionExpiresAt: new Date((session.expires_at ?? Math.floor(sessionExpiresAt.getTime() / 1000)) * 1000),
    ...(hold ? { holdId: hold.holdId, holdExpiresAt: hold.expiresAt } : {}),
    ...(hold?.openExpiresAt ? { holdOpenExpiresAt: hold.openExpiresAt } : {}),
  };
}

/**
 * Lets operators go from a hold to the session that pays for it. The session
 * is payable already, so a failure here must not fail the checkout: the paid
 * webhook records the session again.
 */
async function attachSession(shopId: string, holdId: string, checkoutSessionId: string, options: CreateCheckoutSessionOptions): Promise<void> {
  const store = options.holds ?? getHoldStore();
  await store.attachCheckoutSession({ shopId, holdId, checkoutSessionId }).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.warn(JSON.stringify({ level: "warn", event: "hold_session_not_recorded", shopId, holdId, checkoutSessionId, message }));
  });
}

/**
 * The checkout never reached the buyer: give back a hold this call created
 * (never one an idempotency key replayed: its session may still be payable),
 * and free its key so the buyer's retry can hold stock again. A failure here
 * must not hide the provider's error; the reaper frees the hold at its TTL.
 */
async function releaseOwnHold(
  shopId: string,
  hold: { holdId: string; created: boolean } | undefined,
  options: CreateCheckoutSessionOptions,
): Promise<void> {
  if (!hold?.created) return;
  try {
    await releaseInventoryHold({ shopId, holdId: hold.holdId, forgetIdempotencyKey: true, ...(options.holds ? { store: options.holds } : {}) });
  } catch (error) {
    await sendOpsAlert({
      severity: "warning",
      kind: "checkout_hold_release_failed",
      message: `Hold ${hold.holdId} could not be released after the payment provider failed; it lapses at its TTL.`,
      details: { shopId, holdId: hold.holdId, error: error instanceof Error ? error.message : String(error) },
    });
  }
}
