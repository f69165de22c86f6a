// Public entry point of @acme/platform-core.

export { getEnv, resetEnvCache, HOLD_TTL_DEFAULT_SECONDS, HOLD_TTL_MAX_SECONDS, HOLD_TTL_MIN_SECONDS } from "./env.ts";
export type { Env } from "./env.ts";

export { ErrorCode } from "./errors/error-codes.ts";
export { httpStatusByCode } from "./errors/http-status.ts";
export { InventoryError, isInventoryError } from "./errors/inventory-error.ts";
export type { FieldError } from "./errors/inventory-error.ts";
export { errorResponse } from "./errors/error-response.ts";
export { toInventoryError } from "./errors/to-inventory-error.ts";

export { createDatabase, getDatabase, closeDatabase } from "./db/prisma-client.ts";
export type { Database } from "./db/prisma-client.ts";
export { applyMigrations, getMigrationStatus, readMigrations } from "./db/migrations.ts";

export { variantKey, cleanVariantAttributes } from "./variants/variant-key.ts";
export type { VariantAttributes } from "./variants/variant-key.ts";

export type { InventoryStore } from "./inventory/inventory-store.ts";
export type * from "./inventory/types.ts";
export { LEDGER_REASONS, MAX_QUANTITY } from "./inventory/types.ts";
export { createPrismaInventoryStore } from "./inventory/prisma-inventory-store.ts";
export { createJsonInventoryStore } from "./inventory/json-inventory-store.ts";
export { createInventoryStoreFromEnv, getInventoryStore, setInventoryStore } from "./inventory/get-inventory-store.ts";

export { parseCart } from "./validation/cart.ts";
export type { Cart, CartLine } from "./validation/cart.ts";
export { cartToInventoryRequests } from "./validation/cart-to-inventory-requests.ts";
export type { InventoryRequest } from "./validation/cart-to-inventory-requests.ts";
export { validateInventoryAvailability, assertInventoryAvailable } from "./validation/validate-inventory-availability.ts";
export type { AvailabilityResult, InsufficientItem } from "./validation/validate-inventory-availability.ts";
