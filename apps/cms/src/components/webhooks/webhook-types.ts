/** A subscription as the webhooks pages render it (the library's StockEventSubscription, already JSON). */
export interface WebhookCursorRow {
  shopId: string;
  deliveredSeq: number;
  lastSeq: number;
  lag: number;
  failures: number;
  nextAttemptAt: string;
  leaseUntil: string | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  alertedAt: string | null;
}

export interface WebhookRow {
  id: string;
  name: string;
  url: string;
  shops: string[];
  kinds: string[];
  active: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  cursors: WebhookCursorRow[];
}
