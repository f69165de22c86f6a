import { z } from "zod";
import { cartLineSchema, cartLinesSchema } from "../cart/cart-line.ts";
import { BUYER_COOKIE_NAME, buyerCookieHeader, readOrIssueBuyerCookie } from "../checkout/buyer-cookie.ts";
import { signCheckoutLink } from "../checkout/checkout-link.ts";
import { createCheckoutSession, type CheckoutCart } from "../checkout/create-checkout-session.ts";
import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import { InventoryError, isInventoryError, type FieldError } from "../errors/inventory-error.ts";
import { identifyHoldClient } from "../holds/hold-client.ts";
import { clientAddressFrom } from "../http/client-address.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import { parseOrThrow } from "../inventory/inputs.ts";
import { refId } from "../inventory/types.ts";
import type { InsufficientItem } from "../validation/validate-inventory-availability.ts";
import { variantKey } from "../variants/variant-key.ts";
import { variantLabel } from "../variants/variant-label.ts";
import { readCookie, requestOrigin } from "./request-origin.ts";
import { getStorefrontEnv, storefrontClientSecret } from "./storefront-env.ts";
import type { CatalogueEntry, Storefront } from "./storefront-types.ts";

/** Largest body accepted: a full cart (CART_MAX_LINES lines) with the longest sku and variant key fits. */
export const CHECKOUT_MAX_BODY_BYTES = 256 * 1024;

/** Paths on the shop the checkout answers point to (Stripe's return pages and the payment link). */
export const STOREFRONT_PATHS = {
  success: "/checkout/success",
  cancel: "/checkout/cancel",
  pay: "/checkout/pay",
  preparing: "/checkout/preparing",
  lapsed: "/checkout/lapsed",
} as const;

/**
 * What a shop's cart page posts: lines by sku and canonical variant key (or
 * attributes) and quantity, and optionally an idempotency key. Prices come
 * from the shop's catalogue on the server, never from the browser.
 */
const checkoutRequestSchema = z.object({
  lines: cartLinesSchema(cartLineSchema.omit({ productId: true })),
  idempotencyKey: z.string().min(8).max(200).optional(),
});

/** A line the stock could not cover, with the name the buyer saw. */
export interface OutOfStockLine extends InsufficientItem {
  /** "Linen tee (Coral / M)". */
  name: string;
}

function displayName(productName: string, attributes: Record<string, string>): string {
  const label = variantLabel(attributes);
  return label ? `${productName} (${label})` : productName;
}

/**
 * POST /api/checkout-session for any shop: prices the cart from the shop's
 * catalogue and live stock, then hands it to `createCheckoutSession` with the
 * inventory mode and hold TTL from the environment, and the client (hashed
 * address and signed buyer cookie, issued here when missing) for the shop's
 * caps on holds.
 *
 * - 200 `{ status: "ready", url }`: `url` is the shop's own payment link
 *   (`/checkout/pay?t=…`), which gives the hold its full term when followed;
 *   until then the hold lapses after the shop's unopened-hold time.
 * - 202 `{ status: "preparing", url, holdExpiresAt, retryAfterMs }` with
 *   Retry-After: the stock is held and Stripe is busy (its rate limits, an
 *   outage); the same link waits for the payment page.
 * - 400 field errors (`lines.N.quantity`…); 413 for a body over 256 KiB.
 * - 409 `inventory_insufficient`, each short line named.
 * - 422 `purchase_limit_exceeded` naming the line and its limit, or
 *   `payment_rejected` naming what Stripe refused (nothing held).
 * - 429 with Retry-After for a client at a cap; 503 when stock cannot answer
 *   (nothing is held or charged).
 */
export async function handleCheckoutSessionRequest<P extends CatalogueEntry>(
  request: Request,
  storefront: Storefront<P>,
): Promise<Response> {
  const headers = new Headers({ "cache-control": "no-store" });
  try {
    // Counted while streaming: a huge or endless body is a 413, never read whole.
    const body: unknown = await readJsonBody(request, CHECKOUT_MAX_BODY_BYTES);
    const checkout = parseOrThrow(checkoutRequestSchema, body);

    const { shopId, catalogue } = storefront;
    const { SHOP_PUBLIC_URL, SHOP_CLIENT_IP_HEADER, SHOP_ALLOW_PROMOTION_CODES } = getStorefrontEnv();
    const env = getEnv();
    const origin = SHOP_PUBLIC_URL ?? requestOrigin(request);
    // Who checks out, for the caps on holds (a checkout that holds nothing has none to cap): a
    // buyer without a (valid) cookie gets one with this answer, whatever it is.
    const holds = env.INVENTORY_MODE === "reserve_ttl" && !env.SKIP_INVENTORY_VALIDATION;
    const secret = holds ? storefrontClientSecret() : undefined;
    const buyer = secret ? readOrIssueBuyerCookie(readCookie(request, BUYER_COOKIE_NAME), secret) : undefined;
    if (buyer?.issued)
      headers.append("set-cookie", buyerCookieHeader(buyer.issued, { secure: origin.startsWith("https:") }));
    const client =
      secret && buyer
        ? identifyHoldClient({
            address: clientAddressFrom(request, SHOP_CLIENT_IP_HEADER),
            buyerId: buyer.buyerId,
            secret,
          })
        : undefined;
    // Attributes, when a line gives them, decide the variant (as everywhere a cart line is read).
    const refs = checkout.lines.map((line) => ({
      sku: line.sku,
      variantKey: line.variantAttributes ? variantKey(line.variantAttributes) : (line.variantKey ?? ""),
    }));
    const items = await getInventoryStore().getItems(shopId, refs);
    const byRef = new Map(items.map((item) => [refId(item), item]));
    const errors: FieldError[] = [];
    const names = new Map<string, string>();
    const cart: CheckoutCart = { currency: catalogue.currency, lines: [] };
    checkout.lines.forEach((line, index) => {
      const item = byRef.get(refId(refs[index]!));
      const product = item && catalogue.product(item.productId);
      if (!item || !product) {
        errors.push({ field: `lines.${index}.sku`, message: "is not sold in this shop" });
        return;
      }
      const name = displayName(product.name, item.variantAttributes);
      names.set(refId(item), name);
      cart.lines.push({
        sku: item.sku,
        productId: item.productId,
        variantAttributes: item.variantAttributes,
        name,
        unitAmount: product.unitAmount,
        quantity: line.quantity,
      });
    });
    if (errors.length) throw InventoryError.validation(errors);
    const nameOf = (ref: { sku: string; variantKey: string }) => names.get(refId(ref)) ?? ref.sku;

    try {
      const session = await createCheckoutSession(cart, {
        shopId,
        successUrl: `${origin}${STOREFRONT_PATHS.success}?session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${origin}${STOREFRONT_PATHS.cancel}`,
        inventoryMode: env.INVENTORY_MODE,
        inventoryHoldTtlSeconds: env.INVENTORY_HOLD_TTL_SECONDS,
        ...(SHOP_ALLOW_PROMOTION_CODES ? { allowPromotionCodes: true } : {}),
        ...(checkout.idempotencyKey ? { idempotencyKey: checkout.idempotencyKey } : {}),
        ...(client ? { client, lapseUnopened: true } : {}),
      });
      // Stripe's URL is revealed when the link is followed, while the hold is active: that is when the
      // hold gets its full term. On SHOP_PUBLIC_URL when set (so it works through the edge worker, on
      // another origin), else relative: never on an origin a forwarded header named. While Stripe is
      // busy, following the link waits for the session being prepared.
      const ready = session.status === "ready" ? session : undefined;
      const url =
        session.holdId && secret
          ? `${SHOP_PUBLIC_URL ?? ""}${STOREFRONT_PATHS.pay}?t=${encodeURIComponent(signCheckoutLink({ shopId, holdId: session.holdId }, secret))}`
          : ready?.url;
      const answer = {
        status: session.status,
        url,
        inventoryMode: session.inventoryMode,
        sessionExpiresAt: session.sessionExpiresAt.toISOString(),
        ...(ready && !secret ? { sessionId: ready.sessionId } : {}),
        ...(session.holdExpiresAt ? { holdExpiresAt: session.holdExpiresAt.toISOString() } : {}),
      };
      if (session.status === "preparing") {
        // 202: the stock is the buyer's; the payment page is on its way. The link waits for it.
        headers.set("retry-after", String(Math.max(1, Math.ceil(session.retryAfterMs / 1000))));
        return Response.json(
          {
            ...answer,
            message: "Your items are held. The payment page is being prepared.",
            retryAfterMs: session.retryAfterMs,
          },
          { status: 202, headers },
        );
      }
      return Response.json(answer, { headers });
    } catch (error) {
      if (isInventoryError(error, "inventory_insufficient")) {
        const short = (error.details.items as InsufficientItem[] | undefined) ?? [];
        const named: OutOfStockLine[] = short.map((item) => ({ ...item, name: nameOf(item) }));
        return Response.json(
          { code: error.code, message: "Some items sold out while they were in your cart.", items: named },
          { status: 409, headers },
        );
      }
      if (isInventoryError(error, "purchase_limit_exceeded") && Array.isArray(error.details.lines)) {
        const lines = (
          error.details.lines as Array<{
            sku: string;
            variantKey: string;
            requested: number;
            limit: number;
            alreadyHeld: number;
          }>
        ).map((line) => ({
          ...line,
          name: nameOf(line),
        }));
        const first = lines[0]!;
        const message =
          first.alreadyHeld > 0
            ? `${first.name} is limited to ${first.limit} per customer, and you already have ${first.alreadyHeld} (in an order or an open checkout).`
            : `${first.name} is limited to ${first.limit} per customer.`;
        return Response.json({ code: error.code, message, lines }, { status: 422, headers });
      }
      if (isInventoryError(error, "payment_rejected")) {
        const provider = (error.details.provider ?? {}) as {
          code?: string | null;
          param?: string | null;
          message?: string;
        };
        return Response.json(
          {
            code: error.code,
            message: `The payment provider could not take this order (${provider.message ?? "refused"}). Nothing was charged, and your items are back on the shelf.`,
            provider,
          },
          { status: 422, headers },
        );
      }
      throw error;
    }
  } catch (error) {
    return errorResponse(error, { headers });
  }
}
