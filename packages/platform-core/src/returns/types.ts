/** What a refund of a paid checkout does to its units, per shop (`ask` until an operator chooses). */
export type ReturnPolicy = "restock" | "no_restock" | "ask";

export const RETURN_POLICIES: readonly ReturnPolicy[] = ["restock", "no_restock", "ask"];

/** Shops with no policy row: an operator decides each refund, nothing goes back unseen. */
export const DEFAULT_RETURN_POLICY: ReturnPolicy = "ask";

export type StockReturnStatus = "restocked" | "not_restocked" | "pending" | "dismissed";

/**
 * How a refund's units were found: `metadata` (the refund names them),
 * `full` (it covers everything not refunded before), `amount` (exactly one
 * combination of whole units matches its amount); `unmatched` (none does) and
 * `ambiguous` (several do, or the unit amounts are not known) leave the
 * choice to an operator.
 */
export type ReturnMapping = "metadata" | "full" | "amount" | "unmatched" | "ambiguous";

/** Units of one variant at one location. */
export interface ReturnLine {
  sku: string;
  variantKey: string;
  location: string;
  quantity: number;
}

/** A line of a paid checkout: where its units left, and the price of one (null when not known). */
export interface PaidLine extends ReturnLine {
  unitAmount: number | null;
}

export interface PaidCheckoutView {
  sessionId: string;
  shopId: string;
  holdId: string | null;
  paymentIntentId: string | null;
  currency: string;
  amountTotal: number;
  lines: PaidLine[];
  createdAt: Date;
}

export interface StockReturnView {
  refundId: string;
  shopId: string;
  sessionId: string;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  status: StockReturnStatus;
  mapping: ReturnMapping;
  /** The units the refund returns; for `unmatched` and `ambiguous`, the units it may return (the operator chooses). */
  lines: ReturnLine[];
  /** The units put back in stock. */
  restocked: ReturnLine[];
  note: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A refund as the webhook read it from Stripe (only the ids and amounts it needs). */
export interface RefundFacts {
  refundId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  metadata: Record<string, string>;
}

export type RecordReturnAnswer =
  | { outcome: "recorded"; status: StockReturnStatus; restocked: ReturnLine[] }
  | { outcome: "duplicate"; status: StockReturnStatus }
  | { outcome: "stale" }
  | { outcome: "no_checkout" };

export type DecideReturnAnswer =
  | { outcome: "restocked" | "dismissed"; status: StockReturnStatus; restocked: ReturnLine[] }
  | { outcome: "conflict"; status: StockReturnStatus }
  | { outcome: "not_found" }
  | { outcome: "invalid"; errors: Array<{ index?: number; field: string; message: string; max?: number }> };

/** Where paid checkouts, returns and return policies are kept (PostgreSQL). */
export interface ReturnStore {
  /**
   * Writes a paid checkout's row from its committed hold (the locations its
   * units left) and the unit amounts given; a no-op when the row exists or the
   * hold is not committed (an oversold payment sold nothing). Returns whether a
   * row exists afterwards.
   */
  recordPaidCheckout(input: {
    shopId: string;
    sessionId: string;
    holdId: string;
    paymentIntentId: string | null;
    currency: string;
    amountTotal: number;
    unitAmounts: Map<string, number> | undefined;
    now: Date;
  }): Promise<boolean>;
  findPaidCheckout(input: { paymentIntentId: string }): Promise<PaidCheckoutView | null>;
  /** Whether the checkout's payment was recorded as oversold (it sold nothing, so a refund has nothing to return). */
  isOversoldCheckout(input: { shopId: string; sessionId: string }): Promise<boolean>;
  getPaidCheckout(input: { shopId: string; sessionId: string }): Promise<PaidCheckoutView | null>;
  /** The checkout's returns, and the fingerprint `recordReturn` checks them against. */
  readReturns(input: { sessionId: string }): Promise<{ returns: StockReturnView[]; basis: string }>;
  recordReturn(input: {
    shopId: string;
    refund: RefundFacts;
    sessionId: string;
    status: StockReturnStatus;
    mapping: ReturnMapping;
    lines: ReturnLine[];
    note: string | null;
    basis: string;
    actor: string;
    now: Date;
  }): Promise<RecordReturnAnswer>;
  decideReturn(input: {
    shopId: string;
    refundId: string;
    decision: "restock" | "dismiss";
    lines: ReturnLine[];
    note: string | null;
    actor: string;
    now: Date;
  }): Promise<DecideReturnAnswer>;
  getReturn(input: { shopId: string; refundId: string }): Promise<StockReturnView | null>;
  listReturns(input: { shopId: string; status?: StockReturnStatus[]; limit: number }): Promise<StockReturnView[]>;
  getPolicy(input: {
    shopId: string;
  }): Promise<{ policy: ReturnPolicy; updatedBy: string | null; updatedAt: Date | null }>;
  setPolicy(input: { shopId: string; policy: ReturnPolicy; actor: string; now: Date }): Promise<void>;
}
