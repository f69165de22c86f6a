import {
  createCheckoutSession,
  errorResponse,
  getEnv,
  getInventoryStore,
  InventoryError,
  isInventoryError,
  parseOrThrow,
  readJsonBody,
  type CheckoutCart,
  type FieldError,
  type InsufficientItem,
} from "@acme/platform-core";
import { z } from "zod";
import { catalogueProduct, CURRENCY } from "../catalogue/catalogue.ts";
import { variantLabel } from "../catalogue/list-products.ts";
import { getShopEnv } from "../env.ts";

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
 * hold TTL from the environment. 200 `{ url }` to send the buyer to Stripe;
 * 400 field errors; 409 `inventory_insufficient` with each short line named;
 * 503 when stock or Stripe cannot answer (nothing is held or charged).
 */
export async function handleCheckoutSessionRequest(request: Request): Promise<Response> {
  try {
    // Counted while streaming: a huge or endless body is a 413, never read whole.
    const body: unknown = await readJsonBody(request, CHECKOUT_MAX_BODY_BYTES);
    const checkout = parseOrThrow(checkoutRequestSchema, body);

    const { SHOP_ID: shopId, SHOP_PUBLIC_URL } = getShopEnv();
    const env = getEnv();
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

    const origin = SHOP_PUBLIC_URL ?? requestOrigin(request);
    try {
      const session = await createCheckoutSession(cart, {
        shopId,
        successUrl: `${origin}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${origin}/checkout/cancel`,
        inventoryMode: env.INVENTORY_MODE,
        inventoryHoldTtlSeconds: env.INVENTORY_HOLD_TTL_SECONDS,
        ...(checkout.idempotencyKey ? { idempotencyKey: checkout.idempotencyKey } : {}),
      });
      return Response.json({
        url: session.url,
        sessionId: session.sessionId,
        inventoryMode: session.inventoryMode,
        sessionExpiresAt: session.sessionExpiresAt.toISOString(),
        ...(session.holdExpiresAt ? { holdExpiresAt: session.holdExpiresAt.toISOString() } : {}),
      });
    } catch (error) {
      if (isInventoryError(error, "inventory_insufficient")) {
        const short = (error.details.items as InsufficientItem[] | undefined) ?? [];
        const named: OutOfStockLine[] = short.map((item) => ({
          ...item,
          name: names.get(`${item.sku}\u0000${item.variantKey}`) ?? item.sku,
        }));
        return Response.json(
          { code: error.code, message: "Some items sold out while they were in your cart.", items: named },
          { status: 409 },
        );
      }
      throw error;
    }
  } catch (error) {
    return errorResponse(error);
  }
}
