import Stripe from "stripe";
import { z } from "zod";
import { InventoryError } from "../errors/inventory-error.ts";
import { decodeUnitAmounts } from "./checkout-prices.ts";
import { mapRefundToUnits } from "./map-refund-to-units.ts";
import type { ReturnStore, StockReturnStatus } from "./types.ts";

/** The refund events the webhook acts on. */
export const REFUND_EVENT_TYPES: ReadonlySet<string> = new Set([
  "refund.created",
  "refund.updated",
  "charge.refund.updated",
  "charge.refunded",
]);

/** Tries when other refunds of the same checkout keep being recorded between reading and writing. */
const MAX_TRIES = 5;

export type RefundOutcome =
  | { refundId: string; outcome: "recorded"; status: StockReturnStatus; units: number }
  | { refundId: string; outcome: "duplicate"; status: StockReturnStatus }
  | { refundId: string; outcome: "waiting"; refundStatus: string | null }
  | {
      refundId: string;
      outcome: "ignored";
      reason: string;
      /** A checkout of ours whose refund is not recorded; `notify`: an operator should restock by hand if need be. */
      sessionId?: string;
      shopId?: string;
      notify?: boolean;
    };

/** What is read of a refund; a signed event whose refund lacks these is answered 200 and changes nothing. */
const refundShape = z.object({
  id: z.string().min(1).max(255),
  amount: z.number().int().min(0),
  currency: z.string().min(1).max(10),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
});

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === "string" ? value : (value?.id ?? null);

/**
 * A refund of a paid checkout: once it has succeeded (pending waits for its
 * refund.updated; failed and canceled do nothing), finds the checkout by its
 * PaymentIntent, decides the units it returns (`mapRefundToUnits`) and
 * records the return in one call that restocks at most once per refund id,
 * whichever event (refund.created, refund.updated, charge.refunded) brings it
 * and in whatever order.
 */
export async function handleRefund(options: {
  refund: Stripe.Refund;
  actor: string;
  now: Date;
  store: ReturnStore;
  /**
   * The Checkout Session of this platform (its metadata names a shop) that a PaymentIntent with no paid checkout
   * recorded belongs to, or null. A session of this release (its metadata carries unit amounts) whose payment sold
   * something means the refund arrived before the paid event was handled: retried rather than dropped. A payment
   * that was oversold sold nothing; a session without unit amounts was paid before refunds were recorded: both are
   * answered and change nothing (never retried forever). Called outside any transaction.
   */
  findPlatformSession?: (paymentIntentId: string) => Promise<Stripe.Checkout.Session | null>;
}): Promise<RefundOutcome> {
  const { refund, store, now } = options;
  const shape = refundShape.safeParse(refund);
  if (!shape.success)
    return {
      refundId: typeof refund.id === "string" ? refund.id : "",
      outcome: "ignored",
      reason: `the refund cannot be read (${shape.error.issues.map((issue) => issue.path.join(".") || "refund").join(", ")})`,
    };
  if (refund.status !== "succeeded") return { refundId: refund.id, outcome: "waiting", refundStatus: refund.status };
  const paymentIntentId = idOf(refund.payment_intent);
  if (!paymentIntentId) return { refundId: refund.id, outcome: "ignored", reason: "the refund names no PaymentIntent" };
  const checkout = await store.findPaidCheckout({ paymentIntentId });
  if (!checkout) {
    const session = options.findPlatformSession ? await options.findPlatformSession(paymentIntentId) : null;
    const shopId = session?.metadata?.shop_id;
    if (!session || typeof shopId !== "string")
      return {
        refundId: refund.id,
        outcome: "ignored",
        reason: "no paid checkout of this platform has that PaymentIntent",
      };
    const ours = { refundId: refund.id, outcome: "ignored" as const, sessionId: session.id, shopId };
    if (await store.isOversoldCheckout({ shopId, sessionId: session.id }))
      return { ...ours, reason: "the payment was oversold: it sold no units to return" };
    if (decodeUnitAmounts(session.metadata) === undefined)
      return {
        ...ours,
        reason:
          "the checkout was paid before refunds were recorded (no paid checkout, no unit amounts): nothing restocked",
        notify: true,
      };
    throw new InventoryError(
      "unavailable",
      `Refund ${refund.id} is of a checkout whose payment is not recorded yet; retry once it is.`,
    );
  }
  const { policy } = await store.getPolicy({ shopId: checkout.shopId });
  const facts = {
    refundId: refund.id,
    paymentIntentId,
    amount: refund.amount,
    currency: refund.currency,
    metadata: refund.metadata ?? {},
  };
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const { returns, basis } = await store.readReturns({ sessionId: checkout.sessionId });
    const known = returns.find((entry) => entry.refundId === refund.id);
    if (known) return { refundId: refund.id, outcome: "duplicate", status: known.status };
    const decision = mapRefundToUnits({ checkout, others: returns, refund: facts, policy });
    const answer = await store.recordReturn({
      shopId: checkout.shopId,
      refund: facts,
      sessionId: checkout.sessionId,
      ...decision,
      basis,
      actor: options.actor,
      now,
    });
    if (answer.outcome === "stale") continue;
    if (answer.outcome === "no_checkout")
      return { refundId: refund.id, outcome: "ignored", reason: "the paid checkout is gone" };
    if (answer.outcome === "duplicate") return { refundId: refund.id, outcome: "duplicate", status: answer.status };
    return {
      refundId: refund.id,
      outcome: "recorded",
      status: answer.status,
      units: answer.restocked.reduce((sum, line) => sum + line.quantity, 0),
    };
  }
  throw new InventoryError("unavailable", `Refund ${refund.id}: other refunds of its checkout kept changing; retry.`);
}

/**
 * The refunds an event carries: refund.* its refund; charge.refunded the
 * charge's refunds, embedded when Stripe included them all, otherwise listed
 * with the SDK (oldest first, so earlier partial refunds are decided first).
 */
export async function refundsOfEvent(event: Stripe.Event, stripe: () => Stripe): Promise<Stripe.Refund[]> {
  if (event.type !== "charge.refunded") return [event.data.object as Stripe.Refund];
  const charge = event.data.object as Partial<Stripe.Charge>;
  // Not a charge (a signed but malformed event): nothing to list, nothing to restock.
  if (charge.object !== "charge" || typeof charge.id !== "string") return [];
  let refunds: Stripe.Refund[];
  if (charge.refunds && !charge.refunds.has_more && Array.isArray(charge.refunds.data))
    refunds = [...charge.refunds.data];
  else {
    try {
      refunds = await stripe().refunds.list({ charge: charge.id, limit: 100 }).autoPagingToArray({ limit: 10_000 });
    } catch (error) {
      // A charge Stripe does not know (404) is not one of ours: answered, never retried. Anything else (Stripe down,
      // throttled) throws, and the 500 makes Stripe retry.
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return [];
      throw error;
    }
  }
  return refunds.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The PaymentIntent's Checkout Session when it is one of this platform (its metadata names a shop), asked of Stripe
 * (`checkout.sessions.list({ payment_intent })`).
 */
export function platformSessionLookup(
  stripe: () => Stripe,
): (paymentIntentId: string) => Promise<Stripe.Checkout.Session | null> {
  return async (paymentIntentId) => {
    const sessions = await stripe().checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 });
    return sessions.data.find((session) => typeof session.metadata?.shop_id === "string") ?? null;
  };
}
