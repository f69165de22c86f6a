import { randomBytes } from "node:crypto";
import type { Queryable } from "./stock-event-queryable.ts";
import type { StockEventType } from "./stock-event-types.ts";

/** A webhook subscription as the CMS and the library's callers see it: never its secret. */
export interface StockEventSubscription {
  id: string;
  name: string;
  url: string;
  shops: string[];
  kinds: StockEventType[];
  active: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Where the subscription stands in each of its shops. */
  cursors: StockEventCursorState[];
}

/** One subscription's place in one shop's events. */
export interface StockEventCursorState {
  shopId: string;
  /** Every event up to this sequence number was answered 2xx (or skipped as a type not subscribed to). */
  deliveredSeq: number;
  /** The shop's last sequence number given out. */
  lastSeq: number;
  /** lastSeq - deliveredSeq: events not yet delivered (some may be of types the subscription skips). */
  lag: number;
  /** Failed attempts since the last success. */
  failures: number;
  nextAttemptAt: string;
  /** Set while a delivery runner holds the cursor. */
  leaseUntil: string | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  /** When the failing alert was raised for the current run of failures (null: none raised). */
  alertedAt: string | null;
}

/** What create and secret rotation answer: the subscription and its secret, shown this once. */
export interface StockEventSubscriptionWithSecret {
  subscription: StockEventSubscription;
  secret: string;
}

export const SUBSCRIPTION_COLUMNS = `id, name, url, shops, kinds, active, "createdBy", "createdAt", "updatedAt"`;

export interface SubscriptionRow {
  id: string;
  name: string;
  url: string;
  shops: string[];
  kinds: string[];
  active: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

interface CursorRow {
  subscriptionId: string;
  shopId: string;
  deliveredSeq: string;
  lastSeq: string;
  failures: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  alertedAt: Date | null;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** A generated signing secret: `whsec_` and 32 random bytes (base64url). */
export function generateSubscriptionSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

/** The subscriptions' rows with their cursors (one query for the cursors of all of them). */
export async function withCursors(db: Queryable, rows: SubscriptionRow[]): Promise<StockEventSubscription[]> {
  if (rows.length === 0) return [];
  const { rows: cursors } = await db.query<CursorRow>(
    `SELECT c."subscriptionId", c."shopId", c."deliveredSeq"::text AS "deliveredSeq",
            coalesce(s."lastSeq", 0)::text AS "lastSeq", c.failures, c."nextAttemptAt", c."leaseUntil", c."lastError",
            c."lastAttemptAt", c."lastSuccessAt", c."alertedAt"
     FROM "StockEventCursor" c LEFT JOIN "StockEventShop" s ON s."shopId" = c."shopId"
     WHERE c."subscriptionId" = ANY($1::text[]) ORDER BY c."subscriptionId", c."shopId"`,
    [rows.map((row) => row.id)],
  );
  const bySubscription = new Map<string, StockEventCursorState[]>();
  for (const cursor of cursors) {
    const deliveredSeq = Number(cursor.deliveredSeq);
    const lastSeq = Number(cursor.lastSeq);
    const list = bySubscription.get(cursor.subscriptionId) ?? [];
    list.push({
      shopId: cursor.shopId,
      deliveredSeq,
      lastSeq,
      lag: Math.max(0, lastSeq - deliveredSeq),
      failures: cursor.failures,
      nextAttemptAt: cursor.nextAttemptAt.toISOString(),
      leaseUntil: iso(cursor.leaseUntil),
      lastError: cursor.lastError,
      lastAttemptAt: iso(cursor.lastAttemptAt),
      lastSuccessAt: iso(cursor.lastSuccessAt),
      alertedAt: iso(cursor.alertedAt),
    });
    bySubscription.set(cursor.subscriptionId, list);
  }
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    url: row.url,
    shops: row.shops,
    kinds: row.kinds as StockEventType[],
    active: row.active,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    cursors: bySubscription.get(row.id) ?? [],
  }));
}

/**
 * Inserts the missing cursors of a subscription's shops: at the shop's last
 * sequence number (`now`: only later events are delivered) or at 0
 * (`beginning`: every retained event). Run after the shops' pending events
 * were sequenced, so `now` means "committed from here on".
 */
export async function insertCursors(
  db: Queryable,
  options: { subscriptionId: string; shops: string[]; startFrom: "now" | "beginning"; now: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO "StockEventCursor" ("subscriptionId", "shopId", "deliveredSeq", "nextAttemptAt")
     SELECT $1, shop, CASE WHEN $3 = 'beginning' THEN 0
                          ELSE coalesce((SELECT "lastSeq" FROM "StockEventShop" WHERE "shopId" = shop), 0) END, $4
     FROM unnest($2::text[]) AS shop
     ON CONFLICT DO NOTHING`,
    [options.subscriptionId, options.shops, options.startFrom, options.now],
  );
}
