import { DEFAULT_LOCATION } from "../../locations/location-inputs.ts";
import { InventoryError } from "../../errors/inventory-error.ts";
import type { VariantAttributes } from "../../variants/variant-key.ts";
import type { InventoryItem, LedgerEntry, LedgerReason } from "../types.ts";
import { compareRefs, refId } from "../types.ts";

// The on-disk format of one shop's JSON file and its in-memory form.
// Internal to the JSON backend.

/** Bump when the file layout changes incompatibly; older code then refuses newer files. */
export const SHOP_FILE_FORMAT_VERSION = 1;

/** An item as stored: the shop id lives once at the top of the file, dates are ISO strings. */
export interface StoredItem {
  sku: string;
  variantKey: string;
  productId: string;
  /** Absent in files written before titles were kept (read as ""). */
  productTitle?: string;
  variantTitle?: string;
  variantAttributes: VariantAttributes;
  quantity: number;
  reserved: number;
  lowStockThreshold: number | null;
  /** Absent in files written before purchase limits (read as null). */
  purchaseLimit?: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface StoredLedgerEntry {
  /** Decimal string of an integer that only grows (`nextLedgerId`), like the database's bigint id. */
  id: string;
  sku: string;
  variantKey: string;
  delta: number;
  quantityAfter: number;
  reason: LedgerReason;
  holdId: string | null;
  actor: string;
  note: string | null;
  createdAt: string;
}

/** A hold as stored; its lines are the hold's items. */
export interface StoredHold {
  id: string;
  status: "active" | "committed" | "released" | "expired";
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  committedAt: string | null;
  releasedAt: string | null;
  expiredAt: string | null;
  idempotencyKey: string | null;
  /** Absent in holds written before fingerprints were kept. */
  requestFingerprint?: string | null;
  /** The Checkout Session that pays for the hold; absent in holds written before it was kept. */
  checkoutSessionId?: string | null;
  /** The client's keyed hashes and the open-page expiry; absent in holds written before they were kept. */
  clientAddress?: string | null;
  clientBuyer?: string | null;
  openExpiresAt?: string | null;
  openedAt?: string | null;
  items: Array<{
    sku: string;
    variantKey: string;
    productId: string;
    variantAttributes: VariantAttributes;
    quantity: number;
  }>;
}

/** A payment whose stock was gone (see OversoldSale in schema.prisma). */
export interface StoredOversoldSale {
  id: string;
  holdId: string | null;
  checkoutSessionId: string | null;
  items: Array<{ sku: string; variantKey: string; requested: number; available: number }>;
  createdAt: string;
  resolvedAt: string | null;
}

/** The file as written, version 1. */
export interface ShopFileV1 {
  formatVersion: 1;
  shopId: string;
  nextLedgerId: number;
  items: StoredItem[];
  /** Oldest first; append-only. */
  ledger: StoredLedgerEntry[];
  holds: StoredHold[];
  /** Absent in files written before oversold sales were recorded. */
  oversold?: StoredOversoldSale[];
  /** The shop's hold policy; absent: the defaults. */
  holdPolicy?: StoredHoldPolicy;
}

export interface StoredHoldPolicy {
  maxActiveHoldsPerClient: number;
  maxHeldUnitsPerClient: number;
  unopenedHoldSeconds: number;
  updatedBy: string;
  updatedAt: string;
}

/**
 * One shop's state while a read-modify-write runs. Items are indexed by
 * `itemKey` so big imports stay linear.
 */
export interface ShopState {
  readonly shopId: string;
  readonly items: Map<string, StoredItem>;
  /** Oldest first; append with `appendLedgerEntry` so ids stay unique and increasing. */
  readonly ledger: StoredLedgerEntry[];
  nextLedgerId: number;
  holds: StoredHold[];
  oversold: StoredOversoldSale[];
  holdPolicy: StoredHoldPolicy | null;
}

/** Map key of a variant (`refId`). */
export function itemKey(sku: string, variantKey: string): string {
  return refId({ sku, variantKey });
}

export function emptyShopState(shopId: string): ShopState {
  return { shopId, items: new Map(), ledger: [], nextLedgerId: 1, holds: [], oversold: [], holdPolicy: null };
}

/** Appends a ledger entry with the next id and returns it. */
export function appendLedgerEntry(state: ShopState, entry: Omit<StoredLedgerEntry, "id">): StoredLedgerEntry {
  const stored: StoredLedgerEntry = { id: String(state.nextLedgerId), ...entry };
  state.nextLedgerId += 1;
  state.ledger.push(stored);
  return stored;
}

export const compareItems: (a: StoredItem, b: StoredItem) => number = compareRefs;

export function toInventoryItem(shopId: string, item: StoredItem): InventoryItem {
  return {
    shopId,
    sku: item.sku,
    productId: item.productId,
    productTitle: item.productTitle ?? "",
    variantTitle: item.variantTitle ?? "",
    variantKey: item.variantKey,
    variantAttributes: { ...item.variantAttributes },
    quantity: item.quantity,
    reserved: item.reserved,
    available: item.quantity - item.reserved,
    lowStockThreshold: item.lowStockThreshold,
    purchaseLimit: item.purchaseLimit ?? null,
    version: item.version,
    createdAt: new Date(item.createdAt),
    updatedAt: new Date(item.updatedAt),
  };
}

export function toLedgerEntry(shopId: string, entry: StoredLedgerEntry): LedgerEntry {
  return {
    id: entry.id,
    shopId,
    sku: entry.sku,
    variantKey: entry.variantKey,
    location: DEFAULT_LOCATION,
    delta: entry.delta,
    quantityAfter: entry.quantityAfter,
    reason: entry.reason,
    holdId: entry.holdId,
    actor: entry.actor,
    note: entry.note,
    createdAt: new Date(entry.createdAt),
  };
}

/**
 * Parses a shop file. Checks the envelope only: records are trusted because
 * only this backend writes them, and validating every ledger entry on each
 * read would cost more than the write itself.
 */
export function parseShopFile(text: string, shopId: string, path: string): ShopState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InventoryError("internal", `Inventory file ${path} is not valid JSON.`, { cause: error });
  }
  // Unchecked: any version may be on disk, so its number is not yet the `1` that ShopFileV1 says.
  const file = raw as (Partial<Omit<ShopFileV1, "formatVersion">> & { formatVersion?: unknown }) | null;
  if (!file || typeof file !== "object" || typeof file.formatVersion !== "number") {
    throw new InventoryError("misconfigured", `${path} is not an inventory file (no formatVersion).`);
  }
  if (file.formatVersion !== SHOP_FILE_FORMAT_VERSION) {
    throw new InventoryError(
      "misconfigured",
      `${path} has format version ${file.formatVersion}; this code reads version ${SHOP_FILE_FORMAT_VERSION}. Upgrade the application before using this data directory.`,
    );
  }
  if (
    file.shopId !== shopId ||
    !Array.isArray(file.items) ||
    !Array.isArray(file.ledger) ||
    !Array.isArray(file.holds) ||
    !Number.isSafeInteger(file.nextLedgerId)
  ) {
    throw new InventoryError(
      "internal",
      `Inventory file ${path} is damaged (shop id, items, ledger, holds or nextLedgerId).`,
    );
  }
  const items = new Map<string, StoredItem>();
  for (const item of file.items) items.set(itemKey(item.sku, item.variantKey), item);
  const oversold = Array.isArray(file.oversold) ? file.oversold : [];
  const holdPolicy = file.holdPolicy && typeof file.holdPolicy === "object" ? file.holdPolicy : null;
  return {
    shopId,
    items,
    ledger: file.ledger,
    nextLedgerId: file.nextLedgerId as number,
    holds: file.holds,
    oversold,
    holdPolicy,
  };
}

/**
 * Serialises a shop: one record per line, items sorted, so the file is small,
 * diffable and greppable by hand (the JSON backend is for development).
 */
export function serialiseShopFile(state: ShopState): string {
  const items = [...state.items.values()].sort(compareItems);
  const list = (records: readonly unknown[]) =>
    records.length === 0 ? "[]" : `[\n${records.map((record) => `    ${JSON.stringify(record)}`).join(",\n")}\n  ]`;
  return [
    "{",
    `  "formatVersion": ${SHOP_FILE_FORMAT_VERSION},`,
    `  "shopId": ${JSON.stringify(state.shopId)},`,
    `  "nextLedgerId": ${state.nextLedgerId},`,
    `  "items": ${list(items)},`,
    `  "ledger": ${list(state.ledger)},`,
    `  "holds": ${list(state.holds)}${state.oversold.length > 0 || state.holdPolicy ? "," : ""}`,
    ...(state.oversold.length > 0 ? [`  "oversold": ${list(state.oversold)}${state.holdPolicy ? "," : ""}`] : []),
    ...(state.holdPolicy ? [`  "holdPolicy": ${JSON.stringify(state.holdPolicy)}`] : []),
    "}",
    "",
  ].join("\n");
}
