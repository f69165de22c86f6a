// @acme/platform-core: the server entry (stores, holds, checkout, alerts,
// metrics). Marked server-only: a client component that imports it fails the
// build. Browser- and edge-safe names are in `@acme/platform-core/universal`
// (and re-exported here); request handlers in `/route-handlers`; demo data in
// `/demo`; test support in `/test-support`.
import "server-only";

export * from "./universal.ts";

export { getEnv, resetEnvCache, HOLD_TTL_DEFAULT_SECONDS, HOLD_TTL_MAX_SECONDS, HOLD_TTL_MIN_SECONDS } from "./env.ts";
export type { Env } from "./env.ts";

export { createDatabase, getDatabase, closeDatabase } from "./db/prisma-client.ts";
export type { Database } from "./db/prisma-client.ts";
export { applyMigrations, getMigrationStatus, readMigrations } from "./db/migrations.ts";

export type { InventoryStore } from "./inventory/inventory-store.ts";
export type * from "./inventory/types.ts";
export { createPrismaInventoryStore } from "./inventory/prisma-inventory-store.ts";
export { createJsonInventoryStore } from "./inventory/json-inventory-store.ts";
export { createInventoryStoreFromEnv, getInventoryStore, setInventoryStore } from "./inventory/get-inventory-store.ts";

export { cartToInventoryRequests } from "./validation/cart-to-inventory-requests.ts";
export type { InventoryRequest } from "./validation/cart-to-inventory-requests.ts";
export {
  validateInventoryAvailability,
  assertInventoryAvailable,
} from "./validation/validate-inventory-availability.ts";
export type { AvailabilityResult, InsufficientItem } from "./validation/validate-inventory-availability.ts";

export { createInventoryHold } from "./holds/create-inventory-hold.ts";
export type { CreateInventoryHoldOptions, CreatedInventoryHold } from "./holds/create-inventory-hold.ts";
export { commitInventoryHold, commitPaidInventoryHold } from "./holds/commit-inventory-hold.ts";
export { releaseInventoryHold } from "./holds/release-inventory-hold.ts";
export { recordPaidInventorySale } from "./holds/record-paid-inventory-sale.ts";
export { awaitInventoryHoldPayment } from "./holds/await-inventory-hold-payment.ts";
export { extendInventoryHold } from "./holds/extend-inventory-hold.ts";
export { openInventoryHold } from "./holds/open-inventory-hold.ts";
export { identifyHoldClient, clientAddressPrefix, CLIENT_SECRET_MIN_LENGTH } from "./holds/hold-client.ts";
export { clientAddressFrom, clientIpHeaderSchema } from "./http/client-address.ts";
export { DEFAULT_HOLD_POLICY, holdPolicySchema } from "./holds/hold-policy.ts";
export { getShopHoldPolicy, setShopHoldPolicy } from "./holds/shop-hold-policy.ts";
export { listVariantHolders, releaseClientHolds } from "./holds/variant-holders.ts";
export { getInventoryHold, listInventoryHolds } from "./holds/get-inventory-hold.ts";
export {
  releaseExpiredInventoryHolds,
  releaseExpiredHoldsForAllShops,
} from "./holds/release-expired-inventory-holds.ts";
export type { ReapAllResult, ShopReapResult } from "./holds/release-expired-inventory-holds.ts";
export { reconcileInventoryReserved } from "./holds/reconcile-reserved.ts";
export { createPrismaHoldStore } from "./holds/prisma-hold-store.ts";
export { createJsonHoldStore } from "./holds/json-hold-store.ts";
export { createHoldStoreFromEnv, getHoldStore, setHoldStore } from "./holds/get-hold-store.ts";
export type * from "./holds/types.ts";

export { createPrismaLocationStore } from "./locations/prisma-location-store.ts";
export { createJsonLocationStore } from "./locations/json-location-store.ts";
export { createLocationStoreFromEnv, getLocationStore, setLocationStore } from "./locations/get-location-store.ts";
export { TRANSFER_MAX_LINES } from "./locations/location-parsers.ts";
export { listLowStock } from "./locations/list-low-stock.ts";
export type { ListLowStockOptions, LowStockAtLocation, LowStockVariant } from "./locations/list-low-stock.ts";
export type * from "./locations/types.ts";

export { importStock, exportStock, parseStockFile } from "./import-export/index.ts";
export type * from "./import-export/index.ts";

export { createCheckoutSession, checkoutCartSchema } from "./checkout/create-checkout-session.ts";
export type {
  CheckoutCart,
  CheckoutSessionResult,
  CreateCheckoutSessionOptions,
  InventoryMode,
} from "./checkout/create-checkout-session.ts";
export { prepareCheckoutSession } from "./checkout/prepare-checkout-session.ts";
export type { PreparedSession, PrepareCheckoutSessionOptions } from "./checkout/prepare-checkout-session.ts";
export { expireLapsedCheckoutSessions } from "./checkout/expire-lapsed-checkout-sessions.ts";
export type { ExpireSessionsResult } from "./checkout/expire-lapsed-checkout-sessions.ts";
export {
  createPrismaSessionRequestStore,
  createProcessSessionRequestStore,
  getSessionRequestStore,
} from "./checkout/session-request-store.ts";
export type { SessionRequest, SessionRequestStore, SessionRequestState } from "./checkout/session-request-store.ts";
export { createDatabaseStripePacer, createProcessStripePacer, getStripePacer } from "./checkout/stripe-pacer.ts";
export type { StripePacer, StripeEndpoint, PaceSlot } from "./checkout/stripe-pacer.ts";
export { classifyStripeError } from "./checkout/stripe-call-errors.ts";
export type { StripeFailure } from "./checkout/stripe-call-errors.ts";
export { createStripeClient, getStripe } from "./checkout/stripe-client.ts";
export { signCheckoutLink, openCheckoutLink } from "./checkout/checkout-link.ts";
export type { OpenedCheckoutLink } from "./checkout/checkout-link.ts";
export { readOrIssueBuyerCookie, buyerCookieHeader, BUYER_COOKIE_NAME } from "./checkout/buyer-cookie.ts";
export {
  createPrismaWebhookEventLog,
  createJsonWebhookEventLog,
  getWebhookEventLog,
} from "./webhooks/webhook-event-log.ts";
export type { WebhookEventLog } from "./webhooks/webhook-event-log.ts";
export { sendOpsAlert, getOpsAlertStore, setOpsAlertStore } from "./alerts/send-ops-alert.ts";
export { createPrismaOpsAlertStore, createJsonOpsAlertStore } from "./alerts/ops-alert-store.ts";
export type { OpsAlert, OpsAlertSeverity, OpsAlertStore } from "./alerts/ops-alert-store.ts";

// Operators (CMS accounts)
export * from "./operators/index.ts";

// Integrations (ERP, WMS) and the sync API
export * from "./integrations/index.ts";

export {
  listInventoryPage,
  inventoryPageQuerySchema,
  INVENTORY_SORT_FIELDS,
  INVENTORY_STOCK_FILTERS,
  INVENTORY_PAGE_MAX_LIMIT,
} from "./inventory/list-inventory-page.ts";
export type {
  InventoryPage,
  InventoryPageQuery,
  InventorySortField,
  InventoryStockFilter,
  ListInventoryPageOptions,
} from "./inventory/list-inventory-page.ts";
export { listRecentStockAlerts } from "./inventory/list-recent-stock-alerts.ts";
export type { RecentStockAlert, ListRecentStockAlertsOptions } from "./inventory/list-recent-stock-alerts.ts";

// HTTP building blocks shared by the apps' route handlers
export { requireBearer, secretsEqual } from "./http/bearer-auth.ts";

// Alerts (low stock, ops rules), metrics and the hold lifecycle dashboard data
export {
  alertChannelsFromEnv,
  getAlertChannels,
  setAlertChannels,
  ALERT_DELIVERY_DEFAULTS,
} from "./alerts/alert-channels.ts";
export type { AlertChannels } from "./alerts/alert-channels.ts";
export {
  ALERT_SIGNATURE_HEADER,
  signAlertWebhook,
  verifyAlertWebhookSignature,
} from "./alerts/alert-webhook-signature.ts";
export { createPrismaAlertDeliveryLog, createJsonAlertDeliveryLog } from "./alerts/alert-delivery-log.ts";
export type { AlertDeliveryLog, DeliveryAttempt } from "./alerts/alert-delivery-log.ts";
export { deliverAlert } from "./alerts/deliver-alert.ts";
export type { AlertMessage, DeliveryReport } from "./alerts/deliver-alert.ts";
export { deliverPendingStockAlerts, flushStockAlerts, STOCK_ALERT_COOLDOWN_SECONDS } from "./alerts/stock-alerts.ts";
export type { StockAlertDrainResult, StockAlertLocation } from "./alerts/stock-alerts.ts";
export { flushOpsAlertDeliveries } from "./alerts/send-ops-alert.ts";
export { flushBackgroundWork } from "./alerts/flush-background-work.ts";
export type { SendOpsAlertOptions } from "./alerts/send-ops-alert.ts";
export {
  evaluateOpsAlertRules,
  OPS_ALERT_RULES,
  EXPIRY_RATE_MIN_SAMPLE,
  CAPS_SHARE_MIN_SAMPLE,
} from "./alerts/ops-alert-rules.ts";
export type { OpsAlertRule, OpsRuleEvaluation } from "./alerts/ops-alert-rules.ts";
export { getMetrics } from "./metrics/metrics-registry.ts";
export { createOpsEventRecorder, setOpsEventRecorder, recordOpsEvent, flushOpsEvents } from "./metrics/ops-events.ts";
export type { OpsEventKind, OpsEventRecorder } from "./metrics/ops-events.ts";
export {
  getHoldLifecycleSeries,
  holdLifecycleQuerySchema,
  HOLD_COMMIT_RATE_TARGET,
  HOLD_EXPIRY_RATE_TARGET,
  LIFECYCLE_MAX_BUCKETS,
} from "./metrics/get-hold-lifecycle-series.ts";
export type {
  HoldLifecycleBucket,
  HoldLifecycleCounts,
  HoldLifecycleQuery,
  HoldLifecycleSeries,
} from "./metrics/get-hold-lifecycle-series.ts";
export { getHoldCapPressure, HOLD_CAP_PRESSURE_WINDOW_SECONDS } from "./metrics/get-hold-cap-pressure.ts";
export type { GetHoldCapPressureOptions, HoldCapPressure } from "./metrics/get-hold-cap-pressure.ts";

// Storefronts: what every shop app needs on its server (its checkout and payment-link routes are in /route-handlers)
export { resolveCart } from "./storefront/resolve-cart.ts";
export { getStorefrontProduct, listStorefrontProducts } from "./storefront/list-storefront-products.ts";
export {
  getStorefrontEnv,
  resetStorefrontEnvCache,
  shopIdFromEnv,
  storefrontClientSecret,
} from "./storefront/storefront-env.ts";
export type { StorefrontEnv } from "./storefront/storefront-env.ts";

export { STOCK_EVENT_TYPES, stockEventType } from "./stock-events/stock-event-types.ts";
export type { StockEventType } from "./stock-events/stock-event-types.ts";
export type { StockEventPayload, BeforeAfter } from "./stock-events/stock-event-payload.ts";
export { sequenceStockEvents } from "./stock-events/sequence-stock-events.ts";
export type { SequenceStockEventsOptions } from "./stock-events/sequence-stock-events.ts";
export { listStockEvents } from "./stock-events/list-stock-events.ts";
export type { ListStockEventsOptions, StockEventPage } from "./stock-events/list-stock-events.ts";
// Stock event webhooks (docs/stock-events.md)
export { createStockEventSubscription } from "./stock-events/create-stock-event-subscription.ts";
export type { CreateStockEventSubscriptionOptions } from "./stock-events/create-stock-event-subscription.ts";
export { updateStockEventSubscription } from "./stock-events/update-stock-event-subscription.ts";
export type {
  UpdateStockEventSubscriptionOptions,
  UpdatedStockEventSubscription,
} from "./stock-events/update-stock-event-subscription.ts";
export { deleteStockEventSubscription } from "./stock-events/delete-stock-event-subscription.ts";
export { getStockEventSubscription } from "./stock-events/get-stock-event-subscription.ts";
export { listStockEventSubscriptions } from "./stock-events/list-stock-event-subscriptions.ts";
export type {
  StockEventCursorState,
  StockEventSubscription,
  StockEventSubscriptionWithSecret,
} from "./stock-events/stock-event-subscription-records.ts";
export { START_FROM, SUBSCRIPTION_MAX_SHOPS } from "./stock-events/stock-event-subscription-inputs.ts";
export type { StartFrom } from "./stock-events/stock-event-subscription-inputs.ts";
export {
  deliverStockEvents,
  stockEventBackoffMs,
  STOCK_EVENT_DELIVERY_DEFAULTS,
} from "./stock-events/deliver-stock-events.ts";
export type { DeliverStockEventsOptions, StockEventDeliveryResult } from "./stock-events/deliver-stock-events.ts";
export {
  runBackgroundStockEventDelivery,
  forgetStockEventSubscriptionCache,
} from "./stock-events/run-background-stock-event-delivery.ts";
export { replayStockEvents } from "./stock-events/replay-stock-events.ts";
export type { ReplayStockEventsOptions } from "./stock-events/replay-stock-events.ts";
export {
  pruneStockEvents,
  STOCK_EVENT_RETENTION_DAYS,
  STOCK_EVENT_DELIVERY_RETENTION_DAYS,
} from "./stock-events/prune-stock-events.ts";
export { listStockEventDeliveries } from "./stock-events/list-stock-event-deliveries.ts";
export type { StockEventDeliveryAttempt, StockEventDeliveryPage } from "./stock-events/list-stock-event-deliveries.ts";
export {
  signStockEventBatch,
  verifyStockEventSignature,
  STOCK_EVENT_DELIVERY_HEADER,
  STOCK_EVENT_SIGNATURE_HEADER,
  STOCK_EVENT_USER_AGENT,
} from "./stock-events/stock-event-webhook.ts";
export type { StockEventBatch } from "./stock-events/stock-event-webhook.ts";
export { createPrismaReturnStore } from "./returns/prisma-return-store.ts";
export { findReturnStore, getReturnStore, setReturnStore } from "./returns/get-return-store.ts";
export { getShopReturnPolicy, returnPolicySchema, setShopReturnPolicy } from "./returns/shop-return-policy.ts";
export { listStockReturns } from "./returns/list-stock-returns.ts";
export type { ShopReturns } from "./returns/list-stock-returns.ts";
export { decideStockReturn } from "./returns/decide-stock-return.ts";
export { mapRefundToUnits } from "./returns/map-refund-to-units.ts";
export { RESTOCK_METADATA_KEY } from "./returns/refund-metadata.ts";
export { DEFAULT_RETURN_POLICY, RETURN_POLICIES } from "./returns/types.ts";
export type * from "./returns/types.ts";
