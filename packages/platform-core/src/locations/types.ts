import type { VariantRef } from "../inventory/types.ts";
import type { AllocationStrategy, LocationKind } from "./location-inputs.ts";

export interface StockLocationView {
  shopId: string;
  /** Names the location for good: files, the grid, ledger rows. */
  code: string;
  name: string;
  kind: LocationKind;
  active: boolean;
  fulfilsOnline: boolean;
  /** Lower first: allocation prefers locations by it. */
  priority: number;
  /** The shop's default location (code `main`): stock written without a location lands here. */
  isDefault: boolean;
  /** Active and fulfilling online orders: its units count towards the shop's online availability. */
  online: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateLocationInput {
  shopId: string;
  code: string;
  name: string;
  kind?: LocationKind;
  active?: boolean;
  fulfilsOnline?: boolean;
  priority?: number;
  actor: string;
}

export interface UpdateLocationInput {
  shopId: string;
  code: string;
  name?: string;
  kind?: LocationKind;
  active?: boolean;
  fulfilsOnline?: boolean;
  priority?: number;
  actor: string;
}

/** One variant's stock at one location. */
export interface StockLevel extends VariantRef {
  shopId: string;
  location: string;
  quantity: number;
  reserved: number;
  /** quantity - reserved. */
  available: number;
  /** Units on their way here in transfers in transit. */
  incoming: number;
  updatedAt: Date;
}

export interface TransferLine extends VariantRef {
  quantity: number;
}

export interface CreateTransferInput {
  shopId: string;
  /** Makes a retried request safe: the same id is the same transfer. Generated when left out. */
  transferId?: string;
  from: string;
  to: string;
  lines: TransferLine[];
  /** true: the units leave the source now and arrive when received; false (default): they arrive at once. */
  inTransit?: boolean;
  actor: string;
  note?: string;
}

export type TransferStatus = "in_transit" | "received";

export interface StockTransferView {
  id: string;
  shopId: string;
  from: string;
  to: string;
  status: TransferStatus;
  lines: TransferLine[];
  actor: string;
  note: string | null;
  createdAt: Date;
  receivedAt: Date | null;
  receivedBy: string | null;
}

/** A place where a location's books do not balance (it should always be empty). */
export interface LocationDrift extends VariantRef {
  shopId: string;
  /** The location, or null for the shop-level totals on InventoryItem. */
  location: string | null;
  /** reserved: units held there vs active hold lines there; quantity: quantity vs ledger replay (or the online sum). */
  field: "reserved" | "quantity";
  actual: number;
  expected: number;
}

export interface LocationReconcileReport {
  checked: number;
  drift: LocationDrift[];
}

/**
 * Locations of a shop, stock per location, transfers and the allocation
 * strategy. PostgreSQL keeps any number of locations; the JSON backend keeps
 * one per shop (`main`) and refuses a second with `conflict`.
 */
export interface LocationStore {
  /** The shop's locations, by priority then code; a shop that has none yet lists its main location. */
  listLocations(shopId: string): Promise<StockLocationView[]>;
  createLocation(input: CreateLocationInput): Promise<StockLocationView>;
  /**
   * Changes name, kind, priority, active or fulfilsOnline. A location stops counting online (inactive, or not
   * fulfilling) only when nothing is held there: `conflict` with `details.held` otherwise.
   */
  updateLocation(input: UpdateLocationInput): Promise<StockLocationView>;
  getAllocationStrategy(shopId: string): Promise<AllocationStrategy>;
  setAllocationStrategy(input: {
    shopId: string;
    strategy: AllocationStrategy;
    actor: string;
  }): Promise<AllocationStrategy>;
  /** Stock per variant and location (only rows that exist), sorted by sku, variant key, then location. */
  listLevels(shopId: string, options?: { location?: string; refs?: VariantRef[] }): Promise<StockLevel[]>;
  /**
   * Moves stock between two locations in one transaction; never held units (`conflict` with
   * `details.insufficient` when a line asks more than is free at the source).
   */
  createTransfer(input: CreateTransferInput): Promise<StockTransferView>;
  /** A transfer in transit arrives; receiving twice changes nothing. */
  receiveTransfer(input: { shopId: string; transferId: string; actor: string }): Promise<StockTransferView>;
  listTransfers(shopId: string, options?: { status?: TransferStatus; limit?: number }): Promise<StockTransferView[]>;
  /** Checks every location's books: reserved against active hold lines, quantity against the ledger, totals. */
  reconcile(options?: { shopId?: string }): Promise<LocationReconcileReport>;
}
