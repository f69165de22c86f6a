import type { VariantAttributes } from "../variants/variant-key.ts";

/** Why quantity changed. Every ledger entry carries one. */
export const LEDGER_REASONS = [
  "import",
  "edit",
  "correction",
  "restock",
  "return",
  "damage",
  "sale",
  "oversold_at_payment",
  /** An operator released a client's holds (delta 0: units went back to available, none left stock). */
  "hold_release",
  /** Units sent to another location of the shop (delta < 0 at the source). */
  "transfer_out",
  /** Units received from another location of the shop (delta > 0 at the destination). */
  "transfer_in",
  /** An integration (ERP, WMS) set the quantity through the sync API; the entry's note is the request's reason. */
  "sync",
] as const;
export type LedgerReason = (typeof LEDGER_REASONS)[number];

/** Largest quantity any field accepts: far above any stock, far below int4 overflow. */
export const MAX_QUANTITY = 1_000_000_000;

export interface InventoryItem {
  shopId: string;
  sku: string;
  productId: string;
  /** The product's name as operators know it; "" when none was given (show `productId`). */
  productTitle: string;
  /** The variant's own name, e.g. "Coral / M"; "" when none was given (show its attributes). */
  variantTitle: string;
  /** Canonical key from `variantKey(variantAttributes)`; "" for no variant. */
  variantKey: string;
  variantAttributes: VariantAttributes;
  /** Units on hand. */
  quantity: number;
  /** Units held by active holds. */
  reserved: number;
  /** quantity - reserved. */
  available: number;
  lowStockThreshold: number | null;
  /**
   * At most this many units per checkout and per buyer (hold caps count a buyer by address and by cookie); null: no
   * limit.
   */
  purchaseLimit: number | null;
  /** Increases on every change; pass it back as `expectedVersion` to detect concurrent edits. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface LedgerEntry {
  id: string;
  shopId: string;
  sku: string;
  variantKey: string;
  /** The location whose quantity changed. */
  location: string;
  delta: number;
  /** The location's quantity after the change. */
  quantityAfter: number;
  reason: LedgerReason;
  holdId: string | null;
  actor: string;
  note: string | null;
  createdAt: Date;
}

/** Identifies one variant in one shop. */
export interface VariantRef {
  sku: string;
  variantKey: string;
}

/** Map key of a variant; NUL cannot occur in a sku or key (validation refuses control characters). */
export function refId(ref: VariantRef): string {
  return `${ref.sku}\u0000${ref.variantKey}`;
}

/**
 * The one order of variants: by sku, then variant key, in plain code units
 * (PostgreSQL's COLLATE "C"). Every lock order, batch and file sorts by it.
 */
export function compareRefs(a: VariantRef, b: VariantRef): number {
  return compareCodeUnits(a.sku, b.sku) || compareCodeUnits(a.variantKey, b.variantKey);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Who changed stock, and why. */
export interface StockChange {
  reason: LedgerReason;
  /** Operator email, job name or system component. */
  actor: string;
  note?: string;
}

/** Creates a variant or updates it; `quantity` is absolute. */
export interface StockItemInput {
  sku: string;
  productId: string;
  /** undefined: keep the current title (or none for a new item); "" clears it. */
  productTitle?: string;
  /** undefined: keep the current title (or none for a new item); "" clears it. */
  variantTitle?: string;
  variantAttributes?: VariantAttributes;
  quantity: number;
  lowStockThreshold?: number | null;
  /** undefined: keep the current limit (or none for a new item); null: no limit. */
  purchaseLimit?: number | null;
  /** The location `quantity` is at (a location code); the shop's default location, main, when left out. */
  location?: string;
}

export interface UpsertItemsResult {
  created: number;
  updated: number;
  unchanged: number;
  items: InventoryItem[];
}
