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
  /** Where the units are reserved (or were sold from): one entry per location, by code. */
  locations: Array<{ location: string; quantity: number }>;
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
  /** The Stripe Checkout Session that pays for the hold; null until checkout records it. */
  checkoutSessionId: string | null;
  /** The client that asked for it (keyed hashes; see `HoldClient`); null when none was named. */
  clientAddress: string | null;
  clientBuyer: string | null;
  /**
   * A checkout's hold that lapses early until its payment page is opened:
   * the expiry it gets then. Null for a hold made at its full term.
   */
  openExpiresAt: Date | null;
  /** When the buyer opened the payment page (the hold then got `openExpiresAt`). */
  openedAt: Date | null;
  items: InventoryHoldItemView[];
}

/**
 * Who asks for a hold, as keyed hashes (never the raw address or cookie):
 * caps on active holds and held units, and purchase limits, count each.
 */
export interface HoldClient {
  /** The client's network address (IPv6 by its /64), hashed. */
  address?: string;
  /** The shop's signed anonymous buyer cookie, hashed. */
  buyer?: string;
}

/** A line over its variant's purchase limit. */
export interface LimitedLine extends VariantRef {
  requested: number;
  limit: number;
  /** Units of the variant the client holds or bought already. */
  alreadyHeld: number;
}

export interface CreateHoldCommand {
  shopId: string;
  holdId: string;
  /** Distinct variants, sorted by sku then variantKey. */
  lines: HoldLine[];
  expiresAt: Date;
  idempotencyKey?: string;
  /** Digest of the lines; a reused idempotency key must come with the same one. */
  fingerprint?: string;
  client?: HoldClient;
  /**
   * A checkout's hold: it lapses after the shop's unopened-hold time unless
   * its payment page is opened (`openHold`), which moves it to `expiresAt`.
   */
  lapseUnopened?: boolean;
  now: Date;
}

export type CreateHoldOutcome =
  | { outcome: "created"; holdId: string; expiresAt: Date; openExpiresAt: Date | null; status: HoldStatus }
  | {
      outcome: "existing";
      holdId: string;
      expiresAt: Date;
      openExpiresAt: Date | null;
      status: HoldStatus;
      sameRequest: boolean;
    }
  | {
      outcome: "insufficient";
      insufficient: Array<{ sku: string; variantKey: string; requested: number; available: number }>;
    }
  /** A line over its purchase limit: nothing held. */
  | { outcome: "limited"; lines: LimitedLine[] }
  /**
   * A client at a cap of the shop's hold policy: nothing held.
   * `retryAfterSeconds`: when the client's first hold lapses; null when this request alone is over the cap.
   */
  | {
      outcome: "capped";
      cap: "holds" | "units";
      limit: number;
      client: "address" | "buyer";
      retryAfterSeconds: number | null;
    };

/** A shop's hold policy (`ShopHoldPolicy`, or the defaults). */
export interface HoldPolicy {
  maxActiveHoldsPerClient: number;
  maxHeldUnitsPerClient: number;
  /** How long a checkout's hold lasts before its payment page is opened. */
  unopenedHoldSeconds: number;
  /** True when the shop has not set one. */
  isDefault: boolean;
}

/** One client's active holds on a variant, as the CMS's top-holders view lists them. */
export interface VariantHolder {
  client: "address" | "buyer";
  /** The keyed hash. */
  key: string;
  holds: number;
  units: number;
  /** Oldest of these holds. */
  since: Date;
}

/** Result of a commit or release: `changed` is false for an idempotent no-op. */
export interface HoldTransition {
  holdId: string;
  status: HoldStatus;
  changed: boolean;
  /** The event passed with the call was handled before; nothing changed. */
  duplicate?: boolean;
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

/** A provider event (Stripe webhook) to record as handled together with the change it caused. */
export interface HandledEvent {
  id: string;
  type: string;
}

/** What happened when a payment arrived. */
export type PaidHoldOutcome =
  /** The hold was active: an ordinary commit. */
  | "committed"
  /** Already committed by an earlier delivery: nothing changed. */
  | "already_committed"
  /** The hold had lapsed, but the stock was still there: sold again. */
  | "recommitted"
  /** The hold had lapsed and the stock is gone: recorded as oversold-at-payment, stock untouched. */
  | "oversold";

export interface PaidHoldResult {
  holdId: string;
  /** `duplicate`: the event passed with the call was handled before; nothing changed. */
  outcome: PaidHoldOutcome | "duplicate";
  insufficient?: Array<{ sku: string; variantKey: string; requested: number; available: number }>;
}

export type PaidSaleOutcome = "sold" | "already_recorded" | "oversold";

export interface OversoldSaleView {
  id: string;
  shopId: string;
  holdId: string | null;
  checkoutSessionId: string | null;
  items: Array<{ sku: string; variantKey: string; requested: number; available: number }>;
  createdAt: Date;
  resolvedAt: Date | null;
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
  /** With `event`, the provider event that caused the release is recorded as handled in the same step. */
  /**
   * `forgetIdempotencyKey`: the hold's key may create a new hold afterwards
   * (used when the hold was released because the payment provider failed).
   */
  releaseHold(input: {
    shopId: string;
    holdId: string;
    now: Date;
    event?: HandledEvent;
    forgetIdempotencyKey?: boolean;
  }): Promise<HoldTransition>;
  /**
   * The buyer reached the payment page: an active, unexpired hold made with
   * `lapseUnopened` gets its `openExpiresAt` (once; later calls change nothing).
   * Returns the hold, or null when there is none.
   */
  openHold(input: { shopId: string; holdId: string; now: Date }): Promise<InventoryHoldView | null>;
  /** Clients holding a variant now, most units first. */
  listVariantHolders(input: {
    shopId: string;
    sku: string;
    variantKey: string;
    limit: number;
    now: Date;
  }): Promise<VariantHolder[]>;
  /** Ids of the active holds of one client (by address or buyer hash). */
  listClientHoldIds(input: { shopId: string; client: "address" | "buyer"; key: string; now: Date }): Promise<string[]>;
  /**
   * Releases every active hold of one client, with a `hold_release` ledger
   * entry (delta 0) per line naming the operator, in one step. Returns the
   * holds released and their units.
   */
  releaseClientHolds(input: {
    shopId: string;
    client: "address" | "buyer";
    key: string;
    actor: string;
    now: Date;
  }): Promise<{ holdIds: string[]; units: number }>;
  getHoldPolicy(input: { shopId: string }): Promise<HoldPolicy>;
  setHoldPolicy(input: {
    shopId: string;
    policy: Omit<HoldPolicy, "isDefault">;
    actor: string;
    now: Date;
  }): Promise<HoldPolicy>;
  /** Moves `expiresAt` of an active, unexpired hold; returns the hold. */
  extendHold(input: { shopId: string; holdId: string; expiresAt: Date; now: Date }): Promise<InventoryHoldView>;
  getHold(input: { shopId: string; holdId: string; now: Date }): Promise<InventoryHoldView | null>;
  /**
   * Records the Checkout Session that pays for a hold, whatever its status.
   * The first session recorded stays: returns false when the hold is unknown
   * or already names a session.
   */
  attachCheckoutSession(input: { shopId: string; holdId: string; checkoutSessionId: string }): Promise<boolean>;
  listHolds(input: { shopId: string; status?: HoldStatus; limit?: number; now: Date }): Promise<InventoryHoldView[]>;
  /** Expires up to `limit` holds whose time is up; returns how many. */
  releaseExpiredHolds(input: { shopId: string; limit: number; now: Date }): Promise<number>;
  /** Units held by active holds that have expired but are not reaped yet, per variant. */
  expiredHeldQuantities(input: { shopId: string; refs: VariantRef[]; now: Date }): Promise<Map<string, number>>;
  /** Shops that have holds (the reaper walks these). */
  listHoldShops(): Promise<string[]>;
  reconcile(input: { shopId?: string; repair: boolean }): Promise<ReconcileReport>;

  /** Payment succeeded for a hold, whatever became of it meanwhile (see `PaidHoldOutcome`). */
  commitPaidHold(input: {
    shopId: string;
    holdId: string;
    actor: string;
    /** Recorded on the hold when it names no session yet (and on an oversold record). */
    checkoutSessionId?: string;
    now: Date;
    event?: HandledEvent;
  }): Promise<PaidHoldResult>;
  /**
   * Payment succeeded for a checkout that held nothing: sells the lines once per `saleId`, or records an oversold sale.
   */
  recordPaidSale(input: {
    shopId: string;
    saleId: string;
    checkoutSessionId: string;
    lines: HoldLine[];
    actor: string;
    now: Date;
  }): Promise<{ outcome: PaidSaleOutcome; insufficient?: PaidHoldResult["insufficient"] }>;
  /**
   * Keeps an active hold until `until` while a delayed payment (bank transfer)
   * clears. The only path past the maximum TTL: the buyer has already checked out.
   */
  awaitPayment(input: {
    shopId: string;
    holdId: string;
    until: Date;
    now: Date;
    event?: HandledEvent;
  }): Promise<HoldTransition>;
  listOversoldSales(input: { shopId: string; limit?: number }): Promise<OversoldSaleView[]>;
}

export { refId } from "../inventory/types.ts";
