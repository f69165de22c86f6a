import Stripe from "stripe";
import { sendOpsAlert } from "../alerts/send-ops-alert.ts";
import type { OpsAlertStore } from "../alerts/ops-alert-store.ts";
import { decodeSaleLines, hasSaleLines } from "../checkout/sale-lines.ts";
import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { getHoldStore } from "../holds/get-hold-store.ts";
import { awaitInventoryHoldPayment } from "../holds/await-inventory-hold-payment.ts";
import { commitPaidInventoryHold } from "../holds/commit-inventory-hold.ts";
import { recordPaidInventorySale } from "../holds/record-paid-inventory-sale.ts";
import { holdIdSchema } from "../holds/hold-inputs.ts";
import { releaseInventoryHold } from "../holds/release-inventory-hold.ts";
import { readText } from "../http/read-json-body.ts";
import type { HoldStore } from "../holds/types.ts";
import { shopIdSchema } from "../inventory/inputs.ts";
import { getWebhookEventLog, type WebhookEventLog } from "./webhook-event-log.ts";
import { getStripe } from "../checkout/stripe-client.ts";
import { findReturnStore } from "../returns/get-return-store.ts";
import {
  handleRefund,
  platformSessionLookup,
  REFUND_EVENT_TYPES,
  refundsOfEvent,
} from "../returns/handle-refund-event.ts";
import { recordPaidCheckout } from "../returns/record-paid-checkout.ts";
import type { ReturnStore } from "../returns/types.ts";
import { getMetrics, timed } from "../metrics/metrics-registry.ts";

/** Stripe's own default: signatures older than 5 minutes are refused (replay protection). */
const SIGNATURE_TOLERANCE_SECONDS = 300;
const MAX_BODY_BYTES = 1024 * 1024;
/** How long a hold is kept while a delayed payment method (bank transfer) clears. */
const ASYNC_PAYMENT_WINDOW_MS = 7 * 24 * 3600 * 1000;
const ACTOR = "stripe-webhook";

export interface StripeWebhookOptions {
  /** Default: STRIPE_WEBHOOK_SECRET. */
  secret?: string;
  holds?: HoldStore;
  events?: WebhookEventLog;
  alerts?: OpsAlertStore;
  /**
   * Paid checkouts and returns; default: the backend's when `holds` is not given (none on the JSON backend, where
   * refunds change nothing).
   */
  returns?: ReturnStore | null;
  /** For charge.refunded events whose refunds are not embedded (`stripe.refunds.list`); default `getStripe()`. */
  stripe?: Stripe;
  now?: () => Date;
  toleranceSeconds?: number;
}

/** `recorded`: the hold store already recorded the event id in the step that acted on it. */
type Outcome = { status: number; body: Record<string, unknown>; recorded?: boolean };

const ok = (body: Record<string, unknown>, recorded = false): Outcome => ({
  status: 200,
  body: { received: true, ...body },
  recorded,
});

/**
 * The Stripe webhook endpoint as a function from a Web `Request` to a
 * `Response` (the CMS route is one line). Verifies the signature on the raw
 * body (400 and nothing changed when it fails); settles the hold the session
 * carries; answers 200 to event types it does not handle. Each event id is
 * handled once; every transition is idempotent, so duplicates and
 * out-of-order deliveries settle correctly. When a hold cannot be settled it
 * raises a critical ops alert and answers 500 so that Stripe retries.
 */
export async function handleStripeWebhook(request: Request, options: StripeWebhookOptions = {}): Promise<Response> {
  return timed(getMetrics().webhookDuration, () => handleWebhook(request, options));
}

async function handleWebhook(request: Request, options: StripeWebhookOptions): Promise<Response> {
  const now = options.now ?? (() => new Date());
  if (request.method !== "POST") {
    return Response.json(
      { code: "validation_failed", message: "Use POST." },
      { status: 405, headers: { allow: "POST" } },
    );
  }
  const secret = options.secret ?? getEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) return errorResponse(new InventoryError("misconfigured", "STRIPE_WEBHOOK_SECRET is not set."));

  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES)
    return errorResponse(new InventoryError("payload_too_large", "Webhook body too large."));
  let body: string;
  try {
    // Counted while streaming: a body with no declared length is refused once past the limit, not read to its end.
    body = await readText(request, MAX_BODY_BYTES);
  } catch (error) {
    return errorResponse(error);
  }

  const signature = request.headers.get("stripe-signature");
  if (!signature) {
    return errorResponse(
      InventoryError.validation(
        [{ field: "stripe-signature", message: "header is missing" }],
        "Missing Stripe signature.",
      ),
    );
  }
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(
      body,
      signature,
      secret,
      options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS,
    );
  } catch {
    return errorResponse(
      InventoryError.validation(
        [{ field: "stripe-signature", message: "does not match the body, the secret or the time window" }],
        "Invalid Stripe signature.",
      ),
    );
  }

  const shapeErrors = eventShapeErrors(event);
  if (shapeErrors.length > 0)
    return errorResponse(InventoryError.validation(shapeErrors, "Not a readable Stripe event."));

  const events = options.events ?? getWebhookEventLog();
  // Events that settle a hold are checked for redelivery inside the hold
  // store's own transaction; only the others need a separate look-up.
  if (!settlesHold(event)) {
    try {
      if (await events.seen(event.id)) return Response.json({ received: true, duplicate: true });
    } catch (error) {
      return errorResponse(toInventoryError(error));
    }
  }

  const outcome = await settle(event, options, now());
  if (outcome.status === 200 && !outcome.recorded) {
    try {
      await events.record(event.id, event.type, now());
    } catch {
      // Settling is idempotent, so a redelivery of an unrecorded event is harmless.
    }
  }
  return Response.json(outcome.body, { status: outcome.status });
}

/**
 * The signature proves Stripe sent the body, not that it is an event this
 * code can read: without string `id` and `type` and an object `data.object`
 * it is refused (400) rather than crashing the handler into a 500 that
 * Stripe would retry for days.
 */
function eventShapeErrors(event: unknown): FieldError[] {
  const candidate = event as { id?: unknown; type?: unknown; data?: { object?: unknown } | null } | null;
  const errors: FieldError[] = [];
  // Ids are stored and passed to PostgreSQL, which refuses a NUL: Stripe's are short printable strings.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused.
  const controlCharacter = /[\u0000-\u001f\u007f]/;
  const isId = (value: unknown) =>
    typeof value === "string" && value.length > 0 && value.length <= 255 && !controlCharacter.test(value);
  if (!isId(candidate?.id)) errors.push({ field: "id", message: "must be a printable string of 1-255 characters" });
  if (typeof candidate?.type !== "string") errors.push({ field: "type", message: "must be a string" });
  const object = typeof candidate?.data === "object" && candidate.data !== null ? candidate.data.object : undefined;
  if (typeof object !== "object" || object === null || Array.isArray(object))
    errors.push({ field: "data.object", message: "must be an object" });
  else if ("id" in object && !isId((object as { id?: unknown }).id))
    errors.push({ field: "data.object.id", message: "must be a printable string of 1-255 characters" });
  return errors;
}

const HANDLED_TYPES = new Set([
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
]);

function settlesHold(event: Stripe.Event): boolean {
  if (!HANDLED_TYPES.has(event.type)) return false;
  const metadata = (event.data.object as Stripe.Checkout.Session).metadata ?? {};
  return shopIdSchema.safeParse(metadata.shop_id).success && typeof metadata.inventory_reservation_id === "string";
}

const duplicate = (): Outcome => ok({ duplicate: true }, true);

async function settle(event: Stripe.Event, options: StripeWebhookOptions, now: Date): Promise<Outcome> {
  if (REFUND_EVENT_TYPES.has(event.type)) return settleRefunds(event, options, now);
  if (!HANDLED_TYPES.has(event.type)) return ok({ ignored: event.type });

  const session = event.data.object as Stripe.Checkout.Session;
  const metadata = session.metadata ?? {};
  const shop = shopIdSchema.safeParse(metadata.shop_id);
  if (!shop.success) return ok({ ignored: "no shop_id in the session metadata" });
  const shopId = shop.data;
  const holdId = metadata.inventory_reservation_id;
  const holds = options.holds ?? getHoldStore();
  const alert = (severity: "warning" | "critical", kind: string, message: string, details: Record<string, unknown>) =>
    sendOpsAlert({ severity, kind, message, details }, { ...(options.alerts ? { store: options.alerts } : {}), now });

  const paid =
    event.type === "checkout.session.async_payment_succeeded" ||
    (event.type === "checkout.session.completed" && session.payment_status !== "unpaid");
  const context = { eventId: event.id, eventType: event.type, sessionId: session.id, shopId, holdId };
  const handled = { id: event.id, type: event.type };
  const returns = returnStoreOf(options);
  // What was sold and at what price, for refunds later (a no-op when the hold sold nothing).
  const recordPaid = async (soldHoldId: string) => {
    if (returns) await recordPaidCheckout({ shopId, holdId: soldHoldId, session, now, store: returns });
  };

  try {
    if (paid) {
      if (holdId) {
        const result = await commitPaidInventoryHold({
          shopId,
          holdId,
          actor: ACTOR,
          checkoutSessionId: session.id,
          now,
          event: handled,
          store: holds,
        });
        // On a redelivery too: the sale may have been committed by an attempt that stopped before this write.
        await recordPaid(holdId);
        if (result.outcome === "duplicate") return duplicate();
        if (result.outcome === "oversold") {
          await alert(
            "critical",
            "oversold_at_payment",
            `Payment for ${session.id} arrived after hold ${holdId} lapsed and the stock is gone.`,
            {
              ...context,
              insufficient: result.insufficient,
            },
          );
        }
        return ok({ outcome: result.outcome, holdId }, true);
      }
      const lines = decodeSaleLines(metadata);
      if (!lines) {
        if (!hasSaleLines(metadata)) return ok({ ignored: "no inventory lines in the session metadata" });
        // Paid, but the lines to sell cannot be read: never drop a sale silently.
        await alert(
          "critical",
          "sale_lines_unreadable",
          `Payment for ${session.id} carries sale lines that cannot be read; stock was not reduced.`,
          context,
        );
        return {
          status: 500,
          body: { code: "internal", message: "Could not read the checkout's lines; Stripe will retry." },
        };
      }
      const result = await recordPaidInventorySale({
        shopId,
        checkoutSessionId: session.id,
        lines,
        actor: ACTOR,
        now,
        store: holds,
      });
      await recordPaid(`sale_${session.id}`);
      if (result.outcome === "oversold") {
        await alert("critical", "oversold_at_payment", `Payment for ${session.id} arrived but the stock is gone.`, {
          ...context,
          insufficient: result.insufficient,
        });
      }
      return ok({ outcome: result.outcome });
    }
    if (!holdId) return ok({ outcome: "nothing_held" });
    // No hold has an id outside holdIdSchema (and a NUL would make PostgreSQL refuse the query): such an id is not
    // found.
    if (!holdIdSchema.safeParse(holdId).success)
      throw new InventoryError("not_found", `No hold with that id in shop ${shopId}.`);
    if (event.type === "checkout.session.completed") {
      // Delayed payment method: keep the stock until Stripe says it succeeded or failed.
      const result = await awaitInventoryHoldPayment({
        shopId,
        holdId,
        until: new Date(now.getTime() + ASYNC_PAYMENT_WINDOW_MS),
        now,
        event: handled,
        store: holds,
      });
      if (result.duplicate) return duplicate();
      return ok({ outcome: result.changed ? "awaiting_payment" : `hold_${result.status}`, holdId }, true);
    }
    // async_payment_failed or expired: give the stock back (a no-op after a commit).
    const result = await releaseInventoryHold({ shopId, holdId, now, event: handled, store: holds });
    if (result.duplicate) return duplicate();
    return ok({ outcome: result.changed ? "released" : `hold_${result.status}`, holdId }, true);
  } catch (error) {
    const known = toInventoryError(error);
    // A failed sale was counted where it failed (commitPaidInventoryHold, recordPaidInventorySale).
    await alert(
      "critical",
      "hold_settlement_failed",
      `Could not settle ${event.type} for hold ${holdId ?? "(none)"}: ${known.message}`,
      {
        ...context,
        code: known.code,
      },
    );
    if (known.code === "not_found") return ok({ outcome: "hold_not_found", holdId });
    return {
      status: 500,
      body: {
        code: known.code === "unavailable" ? "unavailable" : "internal",
        message: "Could not settle the checkout; Stripe will retry.",
      },
    };
  }
}

/** The return store given, else the backend's when the hold store is the backend's too (a caller that brings its own
 * hold store and no return store keeps no returns). */
function returnStoreOf(options: StripeWebhookOptions): ReturnStore | null {
  if (options.returns !== undefined) return options.returns;
  return options.holds ? null : findReturnStore();
}

/**
 * refund.created, refund.updated and charge.refunded: each refund the event
 * carries puts its units back (or waits for an operator) once per refund id,
 * by the shop's return policy (src/returns/, docs/returns.md). A failure
 * answers 500, so Stripe retries; every step is idempotent.
 */
async function settleRefunds(event: Stripe.Event, options: StripeWebhookOptions, now: Date): Promise<Outcome> {
  const returns = returnStoreOf(options);
  if (!returns) return ok({ ignored: "returns are not kept by this backend" });
  try {
    const stripe = () => options.stripe ?? getStripe();
    const refunds = await refundsOfEvent(event, stripe);
    const findPlatformSession = platformSessionLookup(stripe);
    const outcomes = [];
    for (const refund of refunds)
      outcomes.push(await handleRefund({ refund, actor: ACTOR, now, store: returns, findPlatformSession }));
    for (const outcome of outcomes)
      if (outcome.outcome === "ignored" && outcome.notify)
        await sendOpsAlert(
          {
            severity: "warning",
            kind: "refund_not_restocked",
            message: `Refund ${outcome.refundId} of ${outcome.sessionId} restocked nothing: ${outcome.reason}. Restock by hand if its units came back.`,
            details: {
              eventId: event.id,
              refundId: outcome.refundId,
              sessionId: outcome.sessionId,
              shopId: outcome.shopId,
            },
          },
          { ...(options.alerts ? { store: options.alerts } : {}), now },
        );
    return ok({ refunds: outcomes });
  } catch (error) {
    const known = toInventoryError(error);
    await sendOpsAlert(
      {
        severity: "warning",
        kind: "refund_restock_failed",
        message: `Could not record the returns of ${event.type} ${event.id}: ${known.message}`,
        details: { eventId: event.id, eventType: event.type, code: known.code },
      },
      { ...(options.alerts ? { store: options.alerts } : {}), now },
    );
    return {
      status: 500,
      body: {
        code: known.code === "unavailable" ? "unavailable" : "internal",
        message: "Could not record the refund; Stripe will retry.",
      },
    };
  }
}
