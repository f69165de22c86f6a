// Integrations (machines such as an ERP or a WMS) and the sync API they call.
export { createIntegration } from "./create-integration.ts";
export type { CreateIntegrationOptions } from "./create-integration.ts";
export { listIntegrations } from "./list-integrations.ts";
export { revokeIntegration } from "./revoke-integration.ts";
export { authenticateIntegration } from "./authenticate-integration.ts";
export { setInventoryQuantities, SYNC_LINE_ERRORS } from "./set-inventory-quantities.ts";
export type {
  SetInventoryQuantitiesBody,
  SetInventoryQuantitiesOptions,
  SetInventoryQuantitiesResult,
  SyncLineErrorCode,
  SyncLineResult,
} from "./set-inventory-quantities.ts";
export { listSyncInventory, SYNC_INVENTORY_MAX_LIMIT } from "./list-sync-inventory.ts";
export type { SyncInventoryLevel, SyncInventoryPage } from "./list-sync-inventory.ts";
export { pruneSyncRequests } from "./prune-sync-requests.ts";
export { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey, SYNC_MAX_LINES, SYNC_REASONS } from "./sync-inputs.ts";
export type { SyncLine, SyncReason, SyncRequestBody } from "./sync-inputs.ts";
export { INTEGRATION_MAX_SHOPS } from "./integration-inputs.ts";
export { TOKEN_PREFIX as INTEGRATION_TOKEN_PREFIX } from "./integration-token.ts";
export type * from "./types.ts";
