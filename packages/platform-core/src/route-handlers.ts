// @acme/platform-core/route-handlers: Web-standard `(Request) => Response`
// handlers that Next.js route files (app/**/route.ts) delegate to. Each reads
// its settings from the environment unless given options.
import "server-only";

export { handleInventoryAuthorityRequest } from "./authority/handle-inventory-authority-request.ts";
export type { InventoryAuthorityOptions } from "./authority/handle-inventory-authority-request.ts";
export { handleHealthRequest } from "./health/handle-health-request.ts";
export type { HealthOptions, HealthReport } from "./health/handle-health-request.ts";
export { handleStripeWebhook } from "./webhooks/handle-stripe-webhook.ts";
export type { StripeWebhookOptions } from "./webhooks/handle-stripe-webhook.ts";
export { handleReaperCron } from "./holds/handle-reaper-cron.ts";
export { handleOpsAlertCron } from "./alerts/handle-ops-alert-cron.ts";
export { handleStockEventsCron } from "./stock-events/handle-stock-events-cron.ts";
export { handleStockEventsRequest } from "./stock-events/handle-stock-events-request.ts";
export { handleMetricsRequest } from "./metrics/handle-metrics-request.ts";
export {
  CHECKOUT_MAX_BODY_BYTES,
  handleCheckoutSessionRequest,
  STOREFRONT_PATHS,
} from "./storefront/handle-checkout-session-request.ts";
export type { OutOfStockLine } from "./storefront/handle-checkout-session-request.ts";
export { handleCheckoutLinkRequest } from "./storefront/handle-checkout-link-request.ts";
export {
  handleSetInventoryQuantitiesRequest,
  handleSyncInventoryRequest,
} from "./integrations/handle-sync-requests.ts";
export type { SyncRequestOptions } from "./integrations/handle-sync-requests.ts";
export type { LapsedReason } from "./storefront/handle-checkout-link-request.ts";
