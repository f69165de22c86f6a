import { signAlertWebhook, verifyAlertWebhookSignature } from "../alerts/alert-webhook-signature.ts";
import type { StockEventPayload } from "./stock-event-payload.ts";

/** The headers of a stock event delivery (the signature is the alert webhooks' scheme, docs/stock-events.md). */
export const STOCK_EVENT_SIGNATURE_HEADER = "X-Acme-Signature";
export const STOCK_EVENT_DELIVERY_HEADER = "X-Acme-Delivery";
export const STOCK_EVENT_USER_AGENT = "acme-stock-events/1";

/** The body of one delivery: a batch of one shop's events in sequence order. */
export interface StockEventBatch {
  subscriptionId: string;
  shopId: string;
  /** Unique per attempt (also in X-Acme-Delivery); a retry of the same events has a new one. */
  deliveryId: string;
  events: StockEventPayload[];
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the same function signs ops and stock alerts. */
export const signStockEventBatch = signAlertWebhook;

/** What a subscriber runs on the raw body and the X-Acme-Signature header (5 minutes' tolerance by default). */
export const verifyStockEventSignature = verifyAlertWebhookSignature;
