import { DEFAULT_LOCATION } from "../locations/location-inputs.ts";
import { z } from "zod";
import { sameVariantAttributes } from "../variants/variant-key.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import {
  deltaSchema,
  normaliseStockItemInputs,
  parseOrThrow,
  parseShopId,
  parseStockChange,
  productIdSchema,
  purchaseLimitSchema,
  titleSchema,
  quantitySchema,
  shopIdSchema,
  skuSchema,
  stockChangeSchema,
  variantKeySchema,
  type NormalisedStockItemInput,
} from "./inputs.ts";
import type {
  AdjustQuantityInput,
  InventoryStore,
  ListLedgerOptions,
  SetQuantityInput,
  UpdateItemInput,
} from "./inventory-store.ts";
import { listShopFileIds, readShopState, withShopFile } from "./json/shop-file.ts";
import {
  appendLedgerEntry,
  compareItems,
  itemKey,
  toInventoryItem,
  toLedgerEntry,
  type ShopState,
  type StoredItem,
} from "./json/shop-file-format.ts";
import {
  MAX_QUANTITY,
  type LedgerEntry,
  type StockChange,
  type StockItemInput,
  type UpsertItemsResult,
  type VariantRef,
} from "./types.ts";

/**
 * The JSON backend is safe only while every writer shares one disk: two
 * servers (or serverless instances) each with their own data directory would
 * sell the same stock twice. Production must opt in explicitly.
 */
export function assertJsonBackendAllowed(env: { NODE_ENV: string; INVENTORY_ALLOW_JSON_IN_PRODUCTION: boolean }): void {
  if (env.NODE_ENV === "production" && !env.INVENTORY_ALLOW_JSON_IN_PRODUCTION) {
    throw new InventoryError(
      "misconfigured",
      "INVENTORY_BACKEND=json is refused in production: JSON files are locked per machine, so two instances " +
        "(several servers, serverless functions or a redeploy overlapping the old one) would each keep their own " +
        "stock and oversell (split brain). Use INVENTORY_BACKEND=prisma, or set INVENTORY_ALLOW_JSON_IN_PRODUCTION=1 " +
        "if exactly one process on one machine ever writes this data directory.",
    );
  }
}

// Input shapes: each operation's input is one object schema, so a bad call
// lists every offending field at once.
const variantKeyFieldSchema = variantKeySchema;
const variantRefSchema = z.object({ sku: skuSchema, variantKey: variantKeyFieldSchema });
const expectedVersionSchema = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .optional();

const updateItemInputSchema = variantRefSchema.extend({
  shopId: shopIdSchema,
  productId: productIdSchema.optional(),
  productTitle: titleSchema.optional(),
  variantTitle: titleSchema.optional(),
  lowStockThreshold: quantitySchema.nullable().optional(),
  purchaseLimit: purchaseLimitSchema.nullable().optional(),
  actor: stockChangeSchema.shape.actor,
  expectedVersion: expectedVersionSchema,
});

/** The JSON backend keeps one location per shop, its main one. */
const onlyLocationSchema = z
  .literal(DEFAULT_LOCATION, { error: `must be ${DEFAULT_LOCATION}: the JSON backend keeps one location per shop` })
  .optional();

const setQuantityInputSchema = stockChangeSchema.extend({
  ...variantRefSchema.shape,
  shopId: shopIdSchema,
  quantity: quantitySchema,
  location: onlyLocationSchema,
  expectedVersion: expectedVersionSchema,
});

const adjustQuantityInputSchema = stockChangeSchema.extend({
  ...variantRefSchema.shape,
  shopId: shopIdSchema,
  delta: deltaSchema,
  location: onlyLocationSchema,
});

const LEDGER_LIMIT_DEFAULT = 100;
const LEDGER_LIMIT_MAX = 1000;

// Filters match stored values exactly; an out-of-range limit is clamped
// rather than refused, as in the PostgreSQL backend.
const listLedgerOptionsSchema = z.object({
  sku: z.string({ error: "must be a string" }).optional(),
  variantKey: variantKeyFieldSchema.optional(),
  location: z.string({ error: "must be a string" }).optional(),
  limit: z
    .number({ error: "must be a number" })
    .optional()
    .transform((limit) =>
      limit === undefined || !Number.isFinite(limit)
        ? LEDGER_LIMIT_DEFAULT
        : Math.min(Math.max(Math.trunc(limit), 1), LEDGER_LIMIT_MAX),
    ),
  beforeId: z
    .string({ error: "must be a string" })
    .regex(/^\d{1,18}$/, "must be a ledger entry id")
    .optional(),
});

function describeVariant(ref: VariantRef): string {
  return ref.variantKey === "" ? ref.sku : `${ref.sku} (${ref.variantKey})`;
}

function requireItem(state: ShopState, ref: VariantRef): StoredItem {
  const item = state.items.get(itemKey(ref.sku, ref.variantKey));
  if (!item) {
    throw new InventoryError("not_found", `No stock item ${describeVariant(ref)} in shop ${state.shopId}.`, {
      details: { sku: ref.sku, variantKey: ref.variantKey },
    });
  }
  return item;
}

function checkVersion(state: ShopState, item: StoredItem, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && item.version !== expectedVersion) {
    throw new InventoryError(
      "conflict",
      `${describeVariant(item)} was changed by someone else (now version ${item.version}, you had ${expectedVersion}). Reload and try again.`,
      { details: { current: toInventoryItem(state.shopId, item) } },
    );
  }
}

function heldUnitsMessage(item: StoredItem): string {
  return `${item.reserved} unit${item.reserved === 1 ? " is" : "s are"} held by active checkouts, so quantity cannot go below ${item.reserved}`;
}

function heldConflict(state: ShopState, item: StoredItem, quantity: number): InventoryError {
  return new InventoryError(
    "conflict",
    `${describeVariant(item)} cannot go to ${quantity}: ${heldUnitsMessage(item)}.`,
    {
      details: {
        sku: item.sku,
        variantKey: item.variantKey,
        quantity,
        reserved: item.reserved,
        current: toInventoryItem(state.shopId, item),
      },
    },
  );
}

/** Sets quantity and writes its ledger entry; callers have checked the bounds. */
function changeQuantity(state: ShopState, item: StoredItem, quantity: number, change: StockChange, now: string): void {
  appendLedgerEntry(state, {
    sku: item.sku,
    variantKey: item.variantKey,
    delta: quantity - item.quantity,
    quantityAfter: quantity,
    reason: change.reason,
    holdId: null,
    actor: change.actor,
    note: change.note ?? null,
    createdAt: now,
  });
  item.quantity = quantity;
}

function touch(item: StoredItem, now: string): void {
  item.version += 1;
  item.updatedAt = now;
}

function applyUpsert(state: ShopState, inputs: NormalisedStockItemInput[], change: StockChange): UpsertItemsResult {
  // Check every input before changing anything: the batch is all-or-nothing,
  // and the caller needs every offending row, not just the first.
  const errors: { index: number; field: "quantity"; message: string }[] = [];
  inputs.forEach((input, index) => {
    const existing = state.items.get(itemKey(input.sku, input.variantKey));
    if (existing && input.quantity < existing.reserved) {
      errors.push({
        index,
        field: "quantity",
        message: `${input.quantity} is below the ${existing.reserved} units held by active checkouts`,
      });
    }
  });
  if (errors.length > 0) {
    throw new InventoryError(
      "conflict",
      `${errors.length} item${errors.length === 1 ? "" : "s"} would go below the units held by active checkouts; nothing was changed.`,
      { details: { errors } },
    );
  }

  const now = new Date().toISOString();
  const result: UpsertItemsResult = { created: 0, updated: 0, unchanged: 0, items: [] };
  for (const input of inputs) {
    const key = itemKey(input.sku, input.variantKey);
    let item = state.items.get(key);
    if (!item) {
      item = {
        sku: input.sku,
        variantKey: input.variantKey,
        productId: input.productId,
        productTitle: input.productTitle ?? "",
        variantTitle: input.variantTitle ?? "",
        variantAttributes: input.variantAttributes,
        quantity: 0,
        reserved: 0,
        lowStockThreshold: input.lowStockThreshold ?? null,
        purchaseLimit: input.purchaseLimit ?? null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      state.items.set(key, item);
      // A new item starts from 0, so any stock it arrives with is a ledger entry.
      if (input.quantity !== 0) changeQuantity(state, item, input.quantity, change, now);
      result.created += 1;
    } else {
      const thresholdChanges =
        input.lowStockThreshold !== undefined && input.lowStockThreshold !== item.lowStockThreshold;
      // Files written before purchase limits lack the field: no limit.
      const limitChanges = input.purchaseLimit !== undefined && input.purchaseLimit !== (item.purchaseLimit ?? null);
      const productTitle = input.productTitle ?? item.productTitle ?? "";
      const variantTitle = input.variantTitle ?? item.variantTitle ?? "";
      const differs =
        item.productId !== input.productId ||
        productTitle !== (item.productTitle ?? "") ||
        variantTitle !== (item.variantTitle ?? "") ||
        !sameVariantAttributes(item.variantAttributes, input.variantAttributes) ||
        item.quantity !== input.quantity ||
        thresholdChanges ||
        limitChanges;
      if (!differs) {
        result.unchanged += 1;
      } else {
        item.productId = input.productId;
        item.productTitle = productTitle;
        item.variantTitle = variantTitle;
        item.variantAttributes = input.variantAttributes;
        if (thresholdChanges) item.lowStockThreshold = input.lowStockThreshold ?? null;
        if (limitChanges) item.purchaseLimit = input.purchaseLimit ?? null;
        if (item.quantity !== input.quantity) changeQuantity(state, item, input.quantity, change, now);
        touch(item, now);
        result.updated += 1;
      }
    }
    result.items.push(toInventoryItem(state.shopId, item));
  }
  return result;
}

/**
 * Inventory in one JSON file per shop under `dataDir`. Safe for any number of
 * processes on one machine (per-shop file lock, atomic replace); refused in
 * production unless forced, see `assertJsonBackendAllowed`.
 */
export function createJsonInventoryStore({ dataDir }: { dataDir: string }): InventoryStore {
  const pending = new Set<Promise<unknown>>();
  let closed = false;

  // Tracks calls so `close` can wait for writes in flight; file system
  // failures become InventoryErrors like database failures do.
  function run<T>(operation: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new InventoryError("unavailable", "The inventory store is closed."));
    const promise = operation().catch((error: unknown) => {
      throw toInventoryError(error);
    });
    pending.add(promise);
    const forget = () => pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  return {
    backend: "json",

    listShops: () =>
      run(async () => {
        const shops: string[] = [];
        for (const shopId of await listShopFileIds(dataDir)) {
          if ((await readShopState(dataDir, shopId)).items.size > 0) shops.push(shopId);
        }
        return shops;
      }),

    listItems: (shopId) =>
      run(async () => {
        const state = await readShopState(dataDir, parseShopId(shopId));
        return [...state.items.values()].sort(compareItems).map((item) => toInventoryItem(state.shopId, item));
      }),

    getItem: (shopId, ref) =>
      run(async () => {
        const id = parseShopId(shopId);
        const { sku, variantKey } = parseOrThrow(variantRefSchema, ref);
        const item = (await readShopState(dataDir, id)).items.get(itemKey(sku, variantKey));
        return item ? toInventoryItem(id, item) : null;
      }),

    getItems: (shopId, refs) =>
      run(async () => {
        const id = parseShopId(shopId);
        const parsed = parseOrThrow(z.array(variantRefSchema, { error: "must be a list" }), refs, "refs");
        const state = await readShopState(dataDir, id);
        // Each item once, in listItems order (as the PostgreSQL backend returns them).
        const found = new Map<string, StoredItem>();
        for (const ref of parsed) {
          const key = itemKey(ref.sku, ref.variantKey);
          const item = state.items.get(key);
          if (item) found.set(key, item);
        }
        return [...found.values()].sort(compareItems).map((item) => toInventoryItem(id, item));
      }),

    upsertItems: (shopId: string, inputs: StockItemInput[], change: StockChange) =>
      run(async () => {
        const id = parseShopId(shopId);
        const stockChange = parseStockChange(change);
        const normalised = normaliseStockItemInputs(inputs);
        const elsewhere = normalised.flatMap((input, index) =>
          input.location === DEFAULT_LOCATION
            ? []
            : [
                {
                  field: `items.${index}.location`,
                  message: onlyLocationSchema.safeParse(input.location).error!.issues[0]!.message,
                },
              ],
        );
        if (elsewhere.length > 0) throw InventoryError.validation(elsewhere);
        if (normalised.length === 0) return { created: 0, updated: 0, unchanged: 0, items: [] };
        return withShopFile(dataDir, id, (state) => applyUpsert(state, normalised, stockChange));
      }),

    updateItem: (input: UpdateItemInput) =>
      run(async () => {
        const parsed = parseOrThrow(updateItemInputSchema, input);
        return withShopFile(dataDir, parsed.shopId, (state) => {
          const item = requireItem(state, parsed);
          checkVersion(state, item, parsed.expectedVersion);
          const productChanges = parsed.productId !== undefined && parsed.productId !== item.productId;
          const thresholdChanges =
            parsed.lowStockThreshold !== undefined && parsed.lowStockThreshold !== item.lowStockThreshold;
          const limitChanges =
            parsed.purchaseLimit !== undefined && parsed.purchaseLimit !== (item.purchaseLimit ?? null);
          const titleChanges =
            (parsed.productTitle !== undefined && parsed.productTitle !== (item.productTitle ?? "")) ||
            (parsed.variantTitle !== undefined && parsed.variantTitle !== (item.variantTitle ?? ""));
          if (productChanges || thresholdChanges || limitChanges || titleChanges) {
            if (parsed.productId !== undefined) item.productId = parsed.productId;
            if (parsed.productTitle !== undefined) item.productTitle = parsed.productTitle;
            if (parsed.variantTitle !== undefined) item.variantTitle = parsed.variantTitle;
            if (parsed.lowStockThreshold !== undefined) item.lowStockThreshold = parsed.lowStockThreshold;
            if (parsed.purchaseLimit !== undefined) item.purchaseLimit = parsed.purchaseLimit;
            touch(item, new Date().toISOString());
          }
          return toInventoryItem(state.shopId, item);
        });
      }),

    setQuantity: (input: SetQuantityInput) =>
      run(async () => {
        const { shopId, sku, variantKey, quantity, expectedVersion, ...change } = parseOrThrow(
          setQuantityInputSchema,
          input,
        );
        return withShopFile(dataDir, shopId, (state) => {
          const item = requireItem(state, { sku, variantKey });
          checkVersion(state, item, expectedVersion);
          if (quantity < item.reserved) throw heldConflict(state, item, quantity);
          if (quantity !== item.quantity) {
            const now = new Date().toISOString();
            changeQuantity(state, item, quantity, change, now);
            touch(item, now);
          }
          return toInventoryItem(state.shopId, item);
        });
      }),

    adjustQuantity: (input: AdjustQuantityInput) =>
      run(async () => {
        const { shopId, sku, variantKey, delta, ...change } = parseOrThrow(adjustQuantityInputSchema, input);
        return withShopFile(dataDir, shopId, (state) => {
          const item = requireItem(state, { sku, variantKey });
          const quantity = item.quantity + delta;
          if (quantity < 0) {
            throw InventoryError.validation([
              { field: "delta", message: `would take quantity below zero (${item.quantity} on hand)` },
            ]);
          }
          if (quantity > MAX_QUANTITY) {
            throw InventoryError.validation([
              { field: "delta", message: `would take quantity above ${MAX_QUANTITY} (${item.quantity} on hand)` },
            ]);
          }
          if (quantity < item.reserved) throw heldConflict(state, item, quantity);
          if (delta !== 0) {
            const now = new Date().toISOString();
            changeQuantity(state, item, quantity, change, now);
            touch(item, now);
          }
          return toInventoryItem(state.shopId, item);
        });
      }),

    listLedger: (shopId: string, options: ListLedgerOptions = {}) =>
      run(async (): Promise<LedgerEntry[]> => {
        const id = parseShopId(shopId);
        const { sku, variantKey, location, limit, beforeId } = parseOrThrow(listLedgerOptionsSchema, options ?? {});
        if (location !== undefined && location !== DEFAULT_LOCATION) return [];
        const before = beforeId === undefined ? undefined : BigInt(beforeId);
        const { ledger } = await readShopState(dataDir, id);
        const entries: LedgerEntry[] = [];
        // Ids grow with position, so walking backwards is newest first.
        for (let index = ledger.length - 1; index >= 0 && entries.length < limit; index -= 1) {
          const entry = ledger[index];
          if (!entry) continue;
          if (before !== undefined && BigInt(entry.id) >= before) continue;
          if (sku !== undefined && entry.sku !== sku) continue;
          if (variantKey !== undefined && entry.variantKey !== variantKey) continue;
          entries.push(toLedgerEntry(id, entry));
        }
        return entries;
      }),

    close: async () => {
      closed = true;
      await Promise.allSettled([...pending]);
    },
  };
}
