import { getDatabase, type Database } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";

/**
 * Events the dashboards and ops rules count that no other table holds:
 * `validation_failure`, `checkout_stock_rejection`, `hold_commit_failure`,
 * `reaper_run` (with its duration in ms as the value), and for denial of
 * inventory `client_hold_request`, `hold_refused_cap` and `hold_refused_limit`.
 */
export type OpsEventKind =
  | "validation_failure"
  | "checkout_stock_rejection"
  | "hold_commit_failure"
  | "reaper_run"
  /** A hold asked for by a named client (a shop's checkout): the share refused by caps is judged against these. */
  | "client_hold_request"
  /** Refused: the client was at a cap on active holds or held units. */
  | "hold_refused_cap"
  /** Refused: a line over its variant's purchase limit. */
  | "hold_refused_limit";

export interface OpsEventRecorder {
  /** Counts one event (never throws, never waits). */
  record(kind: OpsEventKind, options?: { shopId?: string; value?: number; at?: Date }): void;
  /** Resolves when every event recorded so far is written (or its write failed). */
  flush(): Promise<void>;
}

/**
 * Counts events in memory per (kind, shop, second) and writes them with one
 * multi-row upsert into `OpsEventCount`, outside any hot transaction. A
 * write starts as soon as the current tick ends (so a burst of events is one
 * statement, and a serverless function normally finishes with its events
 * written); while one write is in flight, new events accumulate for the next.
 * Events are lost only if that write fails (logged) or the process dies
 * within the write's few milliseconds.
 */
export function createOpsEventRecorder(database: Database): OpsEventRecorder {
  let buffer = new Map<string, { kind: string; shopId: string; bucket: number; count: number; total: number }>();
  let writing: Promise<void> | undefined;
  let scheduled = false;

  async function write(): Promise<void> {
    while (buffer.size > 0) {
      const rows = [...buffer.values()].sort((a, b) =>
        a.kind !== b.kind
          ? a.kind < b.kind
            ? -1
            : 1
          : a.shopId !== b.shopId
            ? a.shopId < b.shopId
              ? -1
              : 1
            : a.bucket - b.bucket,
      );
      buffer = new Map();
      try {
        // Sorted keys: concurrent writers lock rows in one order (no deadlocks).
        await database.pool.query(
          `INSERT INTO "OpsEventCount" (kind, "shopId", bucket, count, total)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::float8[])
           ON CONFLICT (kind, "shopId", bucket) DO UPDATE
             SET count = "OpsEventCount".count + excluded.count, total = "OpsEventCount".total + excluded.total`,
          [
            rows.map((r) => r.kind),
            rows.map((r) => r.shopId),
            rows.map((r) => new Date(r.bucket)),
            rows.map((r) => r.count),
            rows.map((r) => r.total),
          ],
        );
      } catch (error) {
        console.error(
          JSON.stringify({
            level: "error",
            event: "ops_events_not_recorded",
            events: rows.reduce((n, r) => n + r.count, 0),
            message: error instanceof Error ? error.message : String(error),
          }),
        );
      }
    }
  }

  function start() {
    scheduled = false;
    if (writing) return;
    writing = write().finally(() => {
      writing = undefined;
      if (buffer.size > 0) start();
    });
  }

  return {
    record(kind, options = {}) {
      const at = options.at ?? new Date();
      const bucket = Math.floor(at.getTime() / 1000) * 1000;
      if (!Number.isFinite(bucket)) return;
      const shopId = options.shopId ?? "";
      const key = `${kind}\u0000${shopId}\u0000${bucket}`;
      const entry = buffer.get(key);
      if (entry) {
        entry.count += 1;
        entry.total += options.value ?? 0;
      } else {
        buffer.set(key, { kind, shopId, bucket, count: 1, total: options.value ?? 0 });
      }
      if (!scheduled && !writing) {
        scheduled = true;
        queueMicrotask(start);
      }
    },
    async flush() {
      while (scheduled || writing || buffer.size > 0) {
        if (scheduled || (!writing && buffer.size > 0)) start();
        await writing;
      }
    },
  };
}

const globalForEvents = globalThis as unknown as { __acmeOpsEvents?: OpsEventRecorder | null };

/**
 * The process's recorder: the one set with `setOpsEventRecorder`, else one on
 * the process database when the PostgreSQL backend is configured, else none
 * (the JSON backend keeps no event counts; its dashboards show holds only).
 */
export function getOpsEventRecorder(): OpsEventRecorder | undefined {
  if (globalForEvents.__acmeOpsEvents !== undefined) return globalForEvents.__acmeOpsEvents ?? undefined;
  try {
    const env = getEnv();
    globalForEvents.__acmeOpsEvents =
      env.INVENTORY_BACKEND === "prisma" && env.DATABASE_URL ? createOpsEventRecorder(getDatabase()) : null;
  } catch {
    globalForEvents.__acmeOpsEvents = null;
  }
  return globalForEvents.__acmeOpsEvents ?? undefined;
}

/** Sets the process's recorder (`undefined`: derive it from the environment again). */
export function setOpsEventRecorder(recorder: OpsEventRecorder | undefined): void {
  globalForEvents.__acmeOpsEvents = recorder;
}

/** Counts one event on the process's recorder, if there is one. Never throws. */
export function recordOpsEvent(kind: OpsEventKind, options?: { shopId?: string; value?: number; at?: Date }): void {
  try {
    getOpsEventRecorder()?.record(kind, options);
  } catch {
    // Counting must never break the operation being counted.
  }
}

/** Waits until the process's recorded events are written (tests; serverless `after()` hooks). */
export async function flushOpsEvents(): Promise<void> {
  await getOpsEventRecorder()?.flush();
}
