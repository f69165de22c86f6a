import type {
  InventoryItem,
  LedgerEntry,
  StockChange,
  StockItemInput,
  UpsertItemsResult,
  VariantRef,
} from "./types.ts";

export interface SetQuantityInput extends VariantRef, StockChange {
  shopId: string;
  /** The quantity at `location` (the shop's default location, main, when left out). */
  quantity: number;
  location?: string;
  /** When given, the change is refused with `conflict` unless the item is still at this version. */
  expectedVersion?: number;
}

export interface AdjustQuantityInput extends VariantRef, StockChange {
  shopId: string;
  /** Signed change at `location` (main when left out); the result may not go below zero nor below units held there. */
  delta: number;
  location?: string;
}

export interface UpdateItemInput extends VariantRef {
  shopId: string;
  productId?: string;
  /** "" clears the title. */
  productTitle?: string;
  variantTitle?: string;
  lowStockThreshold?: number | null;
  /** null removes the limit. */
  purchaseLimit?: number | null;
  actor: string;
  expectedVersion?: number;
}

export interface ListLedgerOptions {
  sku?: string;
  variantKey?: string;
  /** Only entries of this location. */
  location?: string;
  /** Newest first; at most this many (default 100, max 1000). */
  limit?: number;
  /** Only entries older than this id (for paging). */
  beforeId?: string;
}

/**
 * Stock per shop and variant. Two backends implement it (PostgreSQL through
 * Prisma, and JSON files) and one contract suite tests both.
 *
 * Every quantity change writes a ledger entry in the same atomic step.
 * `reserved` is never changed here: only the hold code paths touch it, and no
 * change may leave `quantity` below `reserved` (error `conflict`).
 * Errors are `InventoryError`s: `validation_failed` for bad input (nothing
 * changes), `not_found`, `conflict`, `unavailable`.
 */
export interface InventoryStore {
  readonly backend: "prisma" | "json";

  /** Shop ids that have at least one item, sorted. */
  listShops(): Promise<string[]>;
  /** Every item of a shop, sorted by sku then variantKey. */
  listItems(shopId: string): Promise<InventoryItem[]>;
  getItem(shopId: string, ref: VariantRef): Promise<InventoryItem | null>;
  /** The items that exist among `refs` (missing ones are left out). */
  getItems(shopId: string, refs: VariantRef[]): Promise<InventoryItem[]>;

  /**
   * Creates or updates many items at once, all-or-nothing. Quantity is set
   * absolutely; a ledger entry records each quantity that changed.
   * A conflict on any input (e.g. quantity below reserved) rejects the whole
   * batch with `conflict` and `details.errors[].index` naming the inputs.
   */
  upsertItems(shopId: string, inputs: StockItemInput[], change: StockChange): Promise<UpsertItemsResult>;
  /** Changes product id, titles, low-stock threshold or purchase limit of an existing item (no ledger entry). */
  updateItem(input: UpdateItemInput): Promise<InventoryItem>;
  setQuantity(input: SetQuantityInput): Promise<InventoryItem>;
  adjustQuantity(input: AdjustQuantityInput): Promise<InventoryItem>;

  listLedger(shopId: string, options?: ListLedgerOptions): Promise<LedgerEntry[]>;

  /** Releases connections, timers and locks. */
  close(): Promise<void>;
}
