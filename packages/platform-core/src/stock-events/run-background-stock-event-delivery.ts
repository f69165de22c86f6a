import { getDatabase, type Database } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";
import { deliverStockEvents, type DeliverStockEventsOptions } from "./deliver-stock-events.ts";

/** At most one pass a second per process, each claiming for at most this long. */
export const BACKGROUND_DELIVERY_INTERVAL_MS = 1_000;
export const BACKGROUND_DELIVERY_BUDGET_MS = 3_000;
/** How long "is there any active subscription?" is remembered. */
const ACTIVE_CACHE_MS = 5_000;

interface BackgroundState {
  running?: Promise<void>;
  again: boolean;
  lastStart: number;
  active?: { value: boolean; at: number; db: Database };
}

const globalForDelivery = globalThis as unknown as { __acmeStockEventDelivery?: BackgroundState };
const state = (globalForDelivery.__acmeStockEventDelivery ??= { again: false, lastStart: 0 });

async function anyActiveSubscription(db: Database): Promise<boolean> {
  const cached = state.active;
  if (cached && cached.db === db && Date.now() - cached.at < ACTIVE_CACHE_MS) return cached.value;
  const { rows } = await db.pool.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM "StockEventSubscription" WHERE active) AS any`,
  );
  const value = rows[0]?.any ?? false;
  state.active = { value, at: Date.now(), db };
  return value;
}

/** Forgets the cached answer (a subscription was just created or resumed in this process; tests). */
export function forgetStockEventSubscriptionCache(): void {
  state.active = undefined;
}

/**
 * The delivery pass `flushBackgroundWork` runs after a response, so stock
 * changes reach subscribers within about a second without a worker. Per
 * process: one pass in flight at most (a call meanwhile asks for one more
 * after it, so a change committed during a pass is not left for the cron),
 * passes at least a second apart, and nothing but a cached check when no
 * subscription is active. Never throws (the cron is the safety net): a failure
 * is one log line. Without PostgreSQL (the JSON backend, no DATABASE_URL) it
 * does nothing.
 */
export function runBackgroundStockEventDelivery(
  options: Pick<DeliverStockEventsOptions, "db" | "fetch" | "budgetMs"> = {},
): Promise<void> {
  if (state.running) {
    state.again = true;
    return state.running;
  }
  const running = (async () => {
    try {
      let db = options.db;
      if (!db) {
        const env = getEnv();
        if (env.INVENTORY_BACKEND !== "prisma" || !env.DATABASE_URL) return;
        db = getDatabase();
      }
      do {
        state.again = false;
        if (!(await anyActiveSubscription(db))) return;
        const wait = state.lastStart + BACKGROUND_DELIVERY_INTERVAL_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        state.lastStart = Date.now();
        await deliverStockEvents({
          db,
          budgetMs: options.budgetMs ?? BACKGROUND_DELIVERY_BUDGET_MS,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
      } while (state.again);
    } catch (error) {
      console.error(
        JSON.stringify({
          level: "warning",
          event: "stock_event_delivery_failed",
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  })();
  state.running = running.finally(() => {
    state.running = undefined;
  });
  return state.running;
}
