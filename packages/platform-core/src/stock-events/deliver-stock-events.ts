import { createPrismaOpsAlertStore, type OpsAlertStore } from "../alerts/ops-alert-store.ts";
import type { AlertChannels } from "../alerts/alert-channels.ts";
import { getOpsAlertStore, sendOpsAlert } from "../alerts/send-ops-alert.ts";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { timeOrderedUuid } from "../ids/time-ordered-uuid.ts";
import { sequenceStockEvents } from "./sequence-stock-events.ts";
import { STOCK_EVENT_COLUMNS, toStockEventPayload, type StockEventRow } from "./stock-event-payload.ts";
import {
  signStockEventBatch,
  STOCK_EVENT_DELIVERY_HEADER,
  STOCK_EVENT_SIGNATURE_HEADER,
  STOCK_EVENT_USER_AGENT,
  type StockEventBatch,
} from "./stock-event-webhook.ts";

/** Defaults of a delivery run (docs/stock-events.md). */
export const STOCK_EVENT_DELIVERY_DEFAULTS = {
  budgetMs: 20_000,
  timeoutMs: 10_000,
  batchSize: 500,
  concurrency: 4,
  backoffBaseMs: 10_000,
  backoffCapMs: 3_600_000,
  alertAfterFailures: 3,
} as const;

/** How long past the attempt's timeout a claim is kept before another runner may take the cursor over. */
const LEASE_MARGIN_MS = 30_000;

export interface DeliverStockEventsOptions {
  db?: Database;
  /** The run's start time (time goes on from it with the real clock); default the real clock. */
  now?: Date;
  /** Claim no new batch after this long (a batch in flight still ends, within timeoutMs). Default 20 s. */
  budgetMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Per attempt, answer and body included. Default 10 s. */
  timeoutMs?: number;
  /** Events read per batch (before dropping types the subscription does not want). Default 500, at most 1,000. */
  batchSize?: number;
  /** Cursors delivered at once (each in its own order). Default 4. */
  concurrency?: number;
  /** Backoff after the nth failure: base * 2^(n-1), capped, then jittered down by up to half. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Raise the failing alert at this many consecutive failures of a cursor. Default 3. */
  alertAfterFailures?: number;
  /** Where ops alerts go; default the database's own ops alert store (the process's with no db given). */
  alertStore?: OpsAlertStore;
  alertChannels?: AlertChannels;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
}

export interface StockEventDeliveryResult {
  /** Events numbered by this run's sequencing. */
  sequenced: number;
  /** HTTP attempts, and how many were answered 2xx. */
  attempts: number;
  sent: number;
  failed: number;
  /** Events delivered in 2xx batches. */
  delivered: number;
  /** Events passed over without a request (types the subscription does not want). */
  skipped: number;
  /** Attempts whose cursor changed under them (replayed, deleted, lease taken over): nothing advanced. */
  fenced: number;
  alertsRaised: number;
  durationMs: number;
}

interface ClaimedCursor {
  subscriptionId: string;
  shopId: string;
  deliveredSeq: string;
  lastSeq: string;
  failures: number;
  url: string;
  secret: string;
  kinds: string[];
}

interface Attempt {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** Delay before the next attempt after `failures` consecutive failures: exponential, capped, jittered. */
export function stockEventBackoffMs(
  failures: number,
  options: { baseMs: number; capMs: number; random?: () => number },
): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  const random = options.random ?? Math.random;
  // Jitter in [delay/2, delay]: runners that failed together do not retry together, and the delay still grows.
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code === "ECONNREFUSED" ? "connection refused" : "network error"} (${cause.code})`;
  return (cause?.message ?? (error instanceof Error ? error.message : String(error))).slice(0, 500);
}

async function post(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Attempt> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchImpl(url, { method: "POST", body, headers, signal, redirect: "manual" });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => {});
      return { ok: true, status: response.status, error: null, durationMs: Math.round(performance.now() - started) };
    }
    const text = await response.text().catch(() => "");
    const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
    return {
      ok: false,
      status: response.status,
      error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ""}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    return {
      ok: false,
      status: null,
      error: describeFailure(error, timeoutMs),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/**
 * One delivery run: numbers pending events (sequenceStockEvents), then, with
 * `concurrency` runners, claims due cursors one at a time and delivers the
 * next batch of each until none is due or the budget is spent.
 *
 * A claim is one statement (`UPDATE ... FROM (SELECT ... FOR UPDATE SKIP
 * LOCKED) ... RETURNING`) that sets a lease id and a lease time; no
 * transaction stays open across the HTTP call. The statement that records the
 * attempt's outcome matches the lease id and the deliveredSeq it read, so a
 * runner whose lease was taken over, or whose cursor was replayed or deleted
 * meanwhile, changes nothing (the attempt is still logged). A cursor advances
 * only over a batch answered 2xx, or over events of types the subscription
 * does not want: strict order per shop, at least once.
 */
export async function deliverStockEvents(options: DeliverStockEventsOptions = {}): Promise<StockEventDeliveryResult> {
  const db = options.db ?? getDatabase();
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const startedAt = Date.now();
  const base = options.now?.getTime() ?? startedAt;
  const clock = () => new Date(base + (Date.now() - startedAt));
  const defaults = STOCK_EVENT_DELIVERY_DEFAULTS;
  const budgetMs = options.budgetMs ?? defaults.budgetMs;
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  const batchSize = Math.min(Math.max(options.batchSize ?? defaults.batchSize, 1), 1000);
  const concurrency = Math.max(options.concurrency ?? defaults.concurrency, 1);
  const backoff = {
    baseMs: options.backoffBaseMs ?? defaults.backoffBaseMs,
    capMs: options.backoffCapMs ?? defaults.backoffCapMs,
    ...(options.random ? { random: options.random } : {}),
  };
  const alertAfter = Math.max(options.alertAfterFailures ?? defaults.alertAfterFailures, 1);
  const alertStore = options.alertStore ?? (options.db ? createPrismaOpsAlertStore(options.db) : getOpsAlertStore());
  const result: StockEventDeliveryResult = {
    sequenced: 0,
    attempts: 0,
    sent: 0,
    failed: 0,
    delivered: 0,
    skipped: 0,
    fenced: 0,
    alertsRaised: 0,
    durationMs: 0,
  };

  for (const count of (await sequenceStockEvents({ db })).values()) result.sequenced += count;

  const alert = (severity: "warning" | "info", kind: string, message: string, details: Record<string, unknown>) =>
    sendOpsAlert(
      { severity, kind, message, details },
      { store: alertStore, now: clock(), ...(options.alertChannels ? { channels: options.alertChannels } : {}) },
    );

  async function claim(): Promise<{ cursor: ClaimedCursor; leaseId: string } | undefined> {
    const now = clock();
    const leaseId = timeOrderedUuid(now.getTime());
    const { rows } = await db.pool.query<ClaimedCursor>(
      `UPDATE "StockEventCursor" c SET "leaseUntil" = $2, "leaseId" = $3
       FROM (
         SELECT c2."subscriptionId", c2."shopId", sh."lastSeq" FROM "StockEventCursor" c2
         JOIN "StockEventSubscription" s2 ON s2.id = c2."subscriptionId" AND s2.active
         JOIN "StockEventShop" sh ON sh."shopId" = c2."shopId" AND sh."lastSeq" > c2."deliveredSeq"
         WHERE c2."nextAttemptAt" <= $1 AND (c2."leaseUntil" IS NULL OR c2."leaseUntil" < $1)
         ORDER BY c2."nextAttemptAt" LIMIT 1
         FOR UPDATE OF c2 SKIP LOCKED
       ) due, "StockEventSubscription" s
       WHERE c."subscriptionId" = due."subscriptionId" AND c."shopId" = due."shopId" AND s.id = c."subscriptionId"
       RETURNING c."subscriptionId", c."shopId", c."deliveredSeq"::text AS "deliveredSeq",
                 due."lastSeq"::text AS "lastSeq", c.failures, s.url, s.secret, s.kinds`,
      [now, new Date(now.getTime() + timeoutMs + LEASE_MARGIN_MS), leaseId],
    );
    const cursor = rows[0];
    return cursor ? { cursor, leaseId } : undefined;
  }

  /** Moves the cursor past events no request was needed for (fenced like an attempt). */
  async function skipTo(cursor: ClaimedCursor, leaseId: string, toSeq: string): Promise<boolean> {
    const { rowCount } = await db.pool.query(
      `UPDATE "StockEventCursor" SET "deliveredSeq" = $4::bigint, "leaseUntil" = NULL, "leaseId" = NULL
       WHERE "subscriptionId" = $1 AND "shopId" = $2 AND "leaseId" = $3 AND "deliveredSeq" = $5::bigint`,
      [cursor.subscriptionId, cursor.shopId, leaseId, toSeq, cursor.deliveredSeq],
    );
    return rowCount === 1;
  }

  async function deliverOne(cursor: ClaimedCursor, leaseId: string): Promise<void> {
    const { rows } = await db.pool.query<StockEventRow>(
      `SELECT ${STOCK_EVENT_COLUMNS} FROM "StockEvent"
       WHERE "shopId" = $1 AND seq > $2::bigint AND seq IS NOT NULL ORDER BY "StockEvent".seq LIMIT $3`,
      [cursor.shopId, cursor.deliveredSeq, batchSize],
    );
    if (rows.length === 0) {
      // Numbered but gone: pruned by retention before this cursor got to them.
      if (!(await skipTo(cursor, leaseId, cursor.lastSeq))) result.fenced++;
      return;
    }
    const toSeq = rows[rows.length - 1]!.seq;
    const wanted = new Set(cursor.kinds);
    const events = rows.map(toStockEventPayload).filter((event) => wanted.has(event.type));
    if (events.length === 0) {
      if (await skipTo(cursor, leaseId, toSeq)) result.skipped += rows.length;
      else result.fenced++;
      return;
    }
    const now = clock();
    const deliveryId = `dlv_${timeOrderedUuid(now.getTime())}`;
    const batch: StockEventBatch = {
      subscriptionId: cursor.subscriptionId,
      shopId: cursor.shopId,
      deliveryId,
      events,
    };
    const body = JSON.stringify(batch);
    const attemptNumber = cursor.failures + 1;
    const attempt = await post(
      fetchImpl,
      cursor.url,
      body,
      {
        "content-type": "application/json",
        "user-agent": STOCK_EVENT_USER_AGENT,
        [STOCK_EVENT_SIGNATURE_HEADER]: signStockEventBatch(body, cursor.secret, now),
        [STOCK_EVENT_DELIVERY_HEADER]: deliveryId,
      },
      timeoutMs,
    );
    result.attempts++;
    const finishedAt = clock();
    const fromSeq = (BigInt(cursor.deliveredSeq) + 1n).toString();
    const log = [
      cursor.subscriptionId,
      cursor.shopId,
      fromSeq,
      toSeq,
      events.length,
      attemptNumber,
      attempt.ok ? "sent" : "failed",
      attempt.status,
      attempt.error,
      attempt.durationMs,
      finishedAt,
      deliveryId,
    ];
    const logSql = `INSERT INTO "StockEventDelivery" ("subscriptionId", "shopId", "fromSeq", "toSeq", events, attempt,
        outcome, "httpStatus", error, "durationMs", "createdAt", "deliveryId")
      VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6, $7, $8, $9, $10, $11, $12)`;
    if (attempt.ok) {
      result.sent++;
      const { rows: done } = await db.pool.query<{ updated: number; wasAlerted: boolean; failures: number }>(
        `WITH prev AS (
           SELECT "alertedAt", failures FROM "StockEventCursor" WHERE "subscriptionId" = $1 AND "shopId" = $2
         ), upd AS (
           UPDATE "StockEventCursor" SET "deliveredSeq" = $4::bigint, failures = 0, "nextAttemptAt" = $11,
             "leaseUntil" = NULL, "leaseId" = NULL, "lastError" = NULL, "lastAttemptAt" = $11, "lastSuccessAt" = $11,
             "alertedAt" = NULL
           WHERE "subscriptionId" = $1 AND "shopId" = $2 AND "leaseId" = $13 AND "deliveredSeq" = $3::bigint - 1
           RETURNING 1
         ), log AS (${logSql})
         SELECT (SELECT count(*) FROM upd)::int AS updated,
                coalesce((SELECT "alertedAt" IS NOT NULL FROM prev), false) AS "wasAlerted",
                coalesce((SELECT failures FROM prev), 0) AS failures`,
        [...log, leaseId],
      );
      const outcome = done[0]!;
      if (outcome.updated === 0) {
        result.fenced++;
        return;
      }
      result.delivered += events.length;
      if (outcome.wasAlerted) {
        result.alertsRaised++;
        await alert(
          "info",
          "stock_events_recovered",
          `Stock event webhook delivering again to ${cursor.url} for shop ${cursor.shopId}`,
          {
            subscriptionId: cursor.subscriptionId,
            shopId: cursor.shopId,
            url: cursor.url,
            failures: outcome.failures,
          },
        );
      }
      return;
    }
    result.failed++;
    const failures = cursor.failures + 1;
    const nextAttemptAt = new Date(finishedAt.getTime() + stockEventBackoffMs(failures, backoff));
    const { rows: done } = await db.pool.query<{ failures: number; raise: boolean }>(
      `WITH prev AS (
         SELECT "alertedAt" FROM "StockEventCursor" WHERE "subscriptionId" = $1 AND "shopId" = $2
       ), upd AS (
         UPDATE "StockEventCursor" c SET failures = c.failures + 1, "nextAttemptAt" = $14, "leaseUntil" = NULL,
           "leaseId" = NULL, "lastError" = $9, "lastAttemptAt" = $11,
           "alertedAt" = CASE WHEN c.failures + 1 >= $15 AND c."alertedAt" IS NULL THEN $11 ELSE c."alertedAt" END
         WHERE "subscriptionId" = $1 AND "shopId" = $2 AND "leaseId" = $13
         RETURNING c.failures, c."alertedAt"
       ), log AS (${logSql})
       SELECT upd.failures, (upd."alertedAt" IS NOT NULL AND (SELECT "alertedAt" FROM prev) IS NULL) AS raise FROM upd`,
      [...log, leaseId, nextAttemptAt, alertAfter],
    );
    const outcome = done[0];
    if (!outcome) {
      result.fenced++;
      return;
    }
    if (outcome.raise) {
      result.alertsRaised++;
      await alert(
        "warning",
        "stock_events_failing",
        `Stock event webhook failing for shop ${cursor.shopId}: ${outcome.failures} attempts in a row (${attempt.error})`,
        {
          subscriptionId: cursor.subscriptionId,
          shopId: cursor.shopId,
          url: cursor.url,
          failures: outcome.failures,
          lastError: attempt.error,
          nextAttemptAt: nextAttemptAt.toISOString(),
        },
      );
    }
  }

  const deadline = startedAt + budgetMs;
  async function runner(): Promise<void> {
    while (Date.now() < deadline) {
      const claimed = await claim();
      if (!claimed) return;
      await deliverOne(claimed.cursor, claimed.leaseId);
    }
  }
  const outcomes = await Promise.allSettled(Array.from({ length: concurrency }, runner));
  result.durationMs = Date.now() - startedAt;
  const failure = outcomes.find((outcome) => outcome.status === "rejected");
  if (failure) throw failure.reason;
  return result;
}
