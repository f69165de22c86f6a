import type Stripe from "stripe";
import { decodeUnitAmounts } from "./checkout-prices.ts";
import type { ReturnStore } from "./types.ts";

/**
 * After the webhook sold a paid checkout's units (or found them sold on a
 * redelivery), writes its PaidCheckout row once: the committed hold's lines
 * with the locations the units left, each line's unit amount from the
 * session's metadata (none when the cart was too large to carry them), the
 * total and the PaymentIntent a refund will name. Run on every paid delivery,
 * duplicates included, so a crash between the sale and this write is mended
 * by Stripe's retry.
 */
export async function recordPaidCheckout(options: {
  shopId: string;
  holdId: string;
  session: Stripe.Checkout.Session;
  now: Date;
  store: ReturnStore;
}): Promise<boolean> {
  const { session } = options;
  const paymentIntent = session.payment_intent;
  return options.store.recordPaidCheckout({
    shopId: options.shopId,
    sessionId: session.id,
    holdId: options.holdId,
    paymentIntentId: typeof paymentIntent === "string" ? paymentIntent : (paymentIntent?.id ?? null),
    currency: session.currency ?? "",
    amountTotal: session.amount_total ?? 0,
    unitAmounts: decodeUnitAmounts(session.metadata),
    now: options.now,
  });
}
