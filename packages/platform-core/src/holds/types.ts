import type { VariantAttributes } from "../variants/variant-key.ts";
import type { VariantRef } from "../inventory/types.ts";

/**
 * `active`: units are reserved. `committed`: paid, units left stock.
 * `released`: given back (cancelled). `expired`: given back because time ran out.
 * A stored `active` hold whose `expiresAt` has passed reads as `expired`.
 */
export type HoldStatus = "active" | "committed" | "released" | "expired";

export interface HoldLine extends VariantRef {
  quantity: number;
  productId?: string;
  variantAttributes?: VariantAttributes;
}

export interface InventoryHoldItemView extends VariantRef {
  productId: string;
  variantAttributes: VariantAttributes;
  quantity: number;
}

export interface InventoryHoldView {
  holdId: string;
  shopId: string;
  status: HoldStatus;
  expiresAt: Date;
  createdAt: Date;
  committedAt: Date | null;
  releasedAt: Date | null;
  expiredAt: Date | null;
  idempotencyKey: string | null;
  items: InventoryHoldItemView[];
}

export interface CreateHoldCommand {
  shopId: string;
  holdId: string;
  /** Distinct variants, sorted by sku then variantKey. */
  lines: HoldLine[];
  expiresAt: Date;
  idempotencyKey?: string;
  now: Date;
}

export type CreateHoldOutcome =
  | { outcome: "created" | "existing"; holdId: string; expiresAt: Date; status: HoldStatus }
  | {
      outcome: "insufficient";
      insufficient: Array<{ sku: string; variantKey: string; requested: number; available: number }>;
    };

/** Result of a commit or release: `changed` is false for an idempotent no-op. */
export interface HoldTransition {
  holdId: string;
  status: HoldStatus;
  changed: boolean;
}

export interface ReconcileDrift extends VariantRef {
  shopId: string;
  reserved: number;
  expected: number;
}

export interface ReconcileReport {
  checked: number;
  drift: ReconcileDrift[];
  repaired: boolean;
}

/**
 * Hold persistence, one per backend. Implementations lock in a global order
 * (hold first, then stock rows by sku and variant key) and keep `reserved`
 * equal to the sum of active holds' lines at every commit point.
 */
export interface HoldStore {
  readonly backend: "prisma" | "json";
  createHold(command: CreateHoldCommand): Promise<CreateHoldOutcome>;
  commitHold(input: { shopId: string; holdId: string; actor: string; now: Date }): Promise<HoldTransition>;
  releaseHold(input: { shopId: string; holdId: string; now: Date }): Promise<HoldTransition>;
  /** Moves `expiresAt` of an active, unexpired hold; returns the hold. */
  extendHold(input: { shopId: string; holdId: string; expiresAt: Date; now: Date }): Promise<InventoryHoldView>;
  getHold(input: { shopId: string; holdId: string; now: Date }): Promise<InventoryHoldView | null>;
  listHolds(input: { shopId: string; status?: HoldStatus; limit?: number; now: Date }): Promise<InventoryHoldView[]>;
  /** Expires up to `limit` holds whose time is up; returns how many. */
  releaseExpiredHolds(input: { shopId: string; limit: number; now: Date }): Promise<number>;
  /** Units held by active holds that have expired but are not reaped yet, per variant. */
  expiredHeldQuantities(input: { shopId: string; refs: VariantRef[]; now: Date }): Promise<Map<string, number>>;
  /** Shops that have holds (the reaper walks these). */
  listHoldShops(): Promise<string[]>;
  reconcile(input: { shopId?: string; repair: boolean }): Promise<ReconcileReport>;
}

export function refId(ref: VariantRef): string {
  return `${ref.sku}\u0000${ref.variantKey}`;
}
