import { InventoryError } from "../errors/inventory-error.ts";
import { getHoldStore } from "../holds/get-hold-store.ts";
import type { HoldStore } from "../holds/types.ts";
import { getInventoryStore } from "../inventory/get-inventory-store.ts";
import { cartLineSchema, cartLinesSchema } from "../cart/cart-line.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { refId } from "../inventory/types.ts";
import { variantKey } from "../variants/variant-key.ts";
import { noteValidationFailure } from "../metrics/instrument.ts";
import { getMetrics, timed } from "../metrics/metrics-registry.ts";
import type { InventoryRequest } from "./cart-to-inventory-requests.ts";

export interface InsufficientItem {
  sku: string;
  variantKey: string;
  requested: number;
  available: number;
}

export type AvailabilityResult = { ok: true } | { ok: false; insufficient: InsufficientItem[] };

const requestsSchema = cartLinesSchema(cartLineSchema);

export interface ValidateOptions {
  store?: InventoryStore;
  holds?: HoldStore;
  now?: Date;
}

/**
 * Checks live availability for each request: quantity - reserved, plus units
 * of holds that have expired but are not reaped yet (an expired hold never
 * blocks a buyer). Requests for the same variant are summed; a variant the
 * shop does not stock is insufficient with `available: 0`. Throws
 * `unavailable` when the store cannot answer: callers fail closed.
 */
export async function validateInventoryAvailability(
  shopId: string,
  requests: Array<
    Pick<InventoryRequest, "sku" | "quantity"> & Partial<Pick<InventoryRequest, "variantKey" | "variantAttributes">>
  >,
  options: ValidateOptions = {},
): Promise<AvailabilityResult> {
  const result = await timed(getMetrics().validationDuration, () => checkAvailability(shopId, requests, options));
  if (!result.ok) noteValidationFailure(shopId, options.now);
  return result;
}

async function checkAvailability(
  shopId: string,
  requests: Parameters<typeof validateInventoryAvailability>[1],
  options: ValidateOptions,
): Promise<AvailabilityResult> {
  const id = parseShopId(shopId);
  const parsed = parseOrThrow(requestsSchema, requests, "items");
  const wanted = new Map<string, InsufficientItem>();
  for (const request of parsed) {
    // A key sent by a client is re-derived from attributes when they are given, so it is always canonical.
    const key = request.variantAttributes ? variantKey(request.variantAttributes) : (request.variantKey ?? "");
    const lineId = refId({ sku: request.sku, variantKey: key });
    const entry = wanted.get(lineId);
    if (entry) entry.requested += request.quantity;
    else wanted.set(lineId, { sku: request.sku, variantKey: key, requested: request.quantity, available: 0 });
  }
  if (wanted.size === 0) return { ok: true };
  const store = options.store ?? getInventoryStore();
  const items = await store.getItems(
    id,
    [...wanted.values()].map(({ sku, variantKey: key }) => ({ sku, variantKey: key })),
  );
  for (const item of items) {
    const entry = wanted.get(refId(item));
    if (entry) entry.available = Math.max(item.available, 0);
  }
  let insufficient = [...wanted.values()].filter((entry) => entry.available < entry.requested);
  if (insufficient.length === 0) return { ok: true };
  // Only on the short path: count units of expired, not yet reaped holds as available.
  const holds = options.holds ?? getHoldStore();
  const expired = await holds.expiredHeldQuantities({
    shopId: id,
    refs: insufficient.map(({ sku, variantKey: key }) => ({ sku, variantKey: key })),
    now: options.now ?? new Date(),
  });
  for (const entry of insufficient) entry.available += expired.get(refId(entry)) ?? 0;
  insufficient = insufficient.filter((entry) => entry.available < entry.requested);
  if (insufficient.length === 0) return { ok: true };
  return { ok: false, insufficient };
}

/** Throws `inventory_insufficient` with the short items unless everything is available. */
export async function assertInventoryAvailable(
  shopId: string,
  requests: Parameters<typeof validateInventoryAvailability>[1],
  options: ValidateOptions = {},
): Promise<void> {
  const result = await validateInventoryAvailability(shopId, requests, options);
  if (!result.ok) {
    throw new InventoryError(
      "inventory_insufficient",
      "Some items are no longer available in the quantity requested.",
      {
        details: { items: result.insufficient },
      },
    );
  }
}
