import { BUYER_COOKIE_NAME, buyerCookieHeader, clientAddressFrom, createCheckoutSession, identifyHoldClient, readOrIssueBuyerCookie, signCheckoutLink, errorResponse, getEnv, getInventoryStore, InventoryError, isInventoryError, parseOrThrow, readJsonBody, type CheckoutCart, type FieldError, type InsufficientItem } from "@acme/platform-core";
import { cookies } from "next/headers";
import { z } from "zod";
import { catalogueProduct, CURRENCY } from "../catalogue/catalogue.ts";
import { variantLabel } from "../catalogue/list-products.ts";
import { getShopEnv, shopClientSecret } from "../env.ts";

/** Largest body accepted: 50 lines with the longest sku and variant key fit with room to spare. */
const CHECKOUT_MAX_BODY_BYTES = 256 * 1024;

/** What the cart page posts: variants and quantities only. Prices come from the server's catalogue. */
const checkoutRequestSchema = z.object({
  lines: z
    .array(
      z.object({
        sku: z.string({ error: "is required" }).trim().min(1, "is required").max(128),
        variantKey: z.string({ error: "must be a string" }).max(2048).default(""),
        quantity: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(99, "must be at most 99"),
      }),
    )
    .min(1, "the cart is empty")
    .max(50, "must have at most 50 lines"),
  idempotencyKey: z.string().min(8).max(200).optional(),
});

export interface OutOfStockLine extends InsufficientItem {
  /** "Linen tee (coral / m)": what the buyer sees. */
  name: string;
}

/**
 * The origin the buyer used (Host header), for Stripe's return URLs when
 * SHOP_PUBLIC_URL is not set: the server's own idea of its URL may differ
 * (e.g. localhost vs 127.0.0.1), and the cart cookie belongs to the buyer's.
 */
function requestOrigin(request: Request): string {
  const url = new URL(request.url);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? url.host;
  // A proxy says http or https (the first of a list); anything else (javascript:, ftp:) is not a return URL Stripe takes.
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  const proto = forwarded === "http" || forwarded === "https" ? forwarded : url.protocol.replace(":", "");
  return `${proto}://${host}`;
}

function displayName(productName: string, attributes: Record<string, string>): string {
  const label = variantLabel(attributes);
  return label ? `${productName} (${label})` : productName;
}

/**
 * POST /api/checkout-session: prices the cart from the catalogue and live
 * stock, then hands it to `createCheckoutSession` with the inventory mode and
 * hold TTL from the environment, and the client (hashed address and signed
 * buyer cookie, issued here when missing) for the shop's caps. 200
 * `{ status: "ready", url }`: the shop's own link to the payment page
 * (`/checkout/pay`), which gives the hold its full term when followed; until
 * then the hold lapses after the shop's unopened-hold time. 202
 * `{ status: "preparing", url, holdExpiresAt }` with Retry-After: the stock
 * is held and Stripe is busy (its rate limits, an outage); the same link
 * waits for the payment page. 400 field errors; 409 `inventory_insufficient`
 * with each short line named; 422 `purchase_limit_exceeded` naming the line
 * and its limit, or `payment_rejected` naming what Stripe refused (nothing
 * held); 429 with Retry-After for a client at a cap; 503 when stock cannot
 * answer (nothing is held or charged).
 */
export async function handleCheckoutSessionRequest(request: Request): Promise<Response> {
  const headers = new Headers({ "cache-control": "no-store" });
  try {
    // Counted while streaming: a huge or endless body is a 413, never read whole.
    const body: unknown = await readJsonBody(request, CHECKOUT_MAX_BODY_BYTES);
    const checkout = parseOrThrow(checkoutRequestSchema, body);

    const { SHOP_ID: shopId, SHOP_PUBLIC_URL, SHOP_CLIENT_IP_HEADER, SHOP_ALLOW_PROMOTION_CODES } = getShopEnv();
    const env = getEnv();
    const origin = SHOP_PUBLIC_URL ?? requestOrigin(request);
    // Who checks out, for the caps on holds (a checkout that holds nothing has none to cap): a
    // buyer without a (valid) cookie gets one with this answer, whatever it is.
    const holds = env.INVENTORY_MODE === "reserve_ttl" && !env.SKIP_INVENTORY_VALIDATION;
    const secret = holds ? shopClientSecret() : undefined;
    const buyer = secret ? readOrIssueBuyerCookie((await cookies()).get(BUYER_COOKIE_NAME)?.value, secret) : undefined;
    if (buyer?.issued) headers.append("set-cookie", buyerCookieHeader(buyer.issued, { secure: origin.startsWith("https:") }));
    const client = secret && buyer ? identifyHoldClient({ address: clientAddressFrom(request, SHOP_CLIENT_IP_HEADER), buyerId: buyer.buyerId, secret }) : undefined;
    const items = await getInventoryStore().getItems(
      shopId,
      checkout.lines.map(({ sku, variantKey }) => ({ sku, variantKey })),
    );
    const byRef = new Map(items.map((item) => [`${item.sku}\u0000${item.variantKey}`, item]));
    const errors: FieldError[] = [];
    const names = new Map<string, string>();
    const cart: CheckoutCart = { currency: CURRENCY, lines: [] };
    checkout.lines.forEach((line, index) => {
      const item = byRef.get(`${line.sku}\u0000${line.variantKey}`);
      const product = item && catalogueProduct(item.productId);
      if (!item || !product) {
        errors.push({ field: `lines.${index}.sku`, message: "is not sold in this shop" });
        return;
      }
      const name = displayName(product.name, item.variantAttributes);
      names.set(`${item.sku}\u0000${item.variantKey}`, name);
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

    try {
      const session = await createCheckoutSession(cart, {
        shopId,
        successUrl: `${origin}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${origin}/checkout/cancel`,
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
          ? `${SHOP_PUBLIC_URL ?? ""}/checkout/pay?t=${encodeURIComponent(signCheckoutLink({ shopId, holdId: session.holdId }, secret))}`
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
          { ...answer, message: "Your items are held. The payment page is being prepared.", retryAfterMs: session.retryAfterMs },
          { status: 202, headers },
        );
      }
      return Response.json(answer, { headers });
    } catch (error) {
      if (isInventoryError(error, "inventory_insufficient")) {
        const short = (error.details.items as InsufficientItem[] | undefined) ?? [];
        const named: OutOfStockLine[] = short.map((item) => ({
          ...item,
          name: names.get(`${item.sku}\u0000${item.variantKey}`) ?? item.sku,
        }));
        return Response.json(
          { code: error.code, message: "Some items sold out while they were in your cart.", items: named },
          { status: 409, headers },
        );
      }
      if (isInventoryError(error, "purchase_limit_exceeded") && Array.isArray(error.details.lines)) {
        const lines = (error.details.lines as Array<{ sku: string; variantKey: string; requested: number; limit: number; alreadyHeld: number }>).map((line) => ({
          ...line,
          name: names.get(`${line.sku}\u0000${line.variantKey}`) ?? line.sku,
        }));
        const first = lines[0]!;
        const message =
          first.alreadyHeld > 0
            ? `${first.name} is limited to ${first.limit} per customer, and you already have ${first.alreadyHeld} (in an order or an open checkout).`
            : `${first.name} is limited to ${first.limit} per customer.`;
        return Response.json({ code: error.code, message, lines }, { status: 422, headers });
      }
      if (isInventoryError(error, "payment_rejected")) {
        const provider = (error.details.provider ?? {}) as { code?: string | null; param?: string | null; message?: string };
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
