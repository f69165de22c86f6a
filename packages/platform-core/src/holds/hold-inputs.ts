import { z } from "zod";
import { HOLD_TTL_MAX_SECONDS, HOLD_TTL_MIN_SECONDS } from "../env.ts";
import { cartLineSchema, cartLinesSchema } from "../cart/cart-line.ts";
import { parseOrThrow, safeTextSchema } from "../inventory/inputs.ts";
import { compareRefs, MAX_QUANTITY, refId } from "../inventory/types.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { variantKey } from "../variants/variant-key.ts";
import type { HoldLine } from "./types.ts";

export const ttlSecondsSchema = z
  .number({ error: "must be a number of seconds" })
  .int("must be a whole number of seconds")
  .min(HOLD_TTL_MIN_SECONDS, `must be at least ${HOLD_TTL_MIN_SECONDS} seconds`)
  .max(HOLD_TTL_MAX_SECONDS, `must be at most ${HOLD_TTL_MAX_SECONDS} seconds`);

export const holdIdSchema = z
  .string({ error: "must be a string" })
  .min(1, "is required")
  .max(100, "must be at most 100 characters")
  .regex(/^[A-Za-z0-9_:.-]+$/, "must contain only letters, digits, '_', ':', '.' or '-'");

export const idempotencyKeySchema = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .pipe(safeTextSchema);

const holdRequestSchema = cartLineSchema;

const holdRequestsSchema = cartLinesSchema(holdRequestSchema);

export type HoldRequest = z.input<typeof holdRequestSchema>;

/**
 * Validates hold requests and turns them into distinct lines sorted by sku and
 * variant key (the lock order). Attributes, when given, decide the key.
 */
export function toHoldLines(requests: unknown): HoldLine[] {
  const parsed = parseOrThrow(holdRequestsSchema, requests, "requests");
  const lines = new Map<string, HoldLine>();
  for (const request of parsed) {
    const key = request.variantAttributes ? variantKey(request.variantAttributes) : (request.variantKey ?? "");
    const id = refId({ sku: request.sku, variantKey: key });
    const line = lines.get(id);
    if (line) {
      line.quantity += request.quantity;
      if (line.quantity > MAX_QUANTITY) {
        throw InventoryError.validation([
          { field: "requests", message: `total quantity of ${request.sku} is too large` },
        ]);
      }
    } else {
      lines.set(id, {
        sku: request.sku,
        variantKey: key,
        quantity: request.quantity,
        ...(request.productId === undefined ? {} : { productId: request.productId }),
        ...(request.variantAttributes === undefined ? {} : { variantAttributes: request.variantAttributes }),
      });
    }
  }
  return [...lines.values()].sort(compareRefs);
}
