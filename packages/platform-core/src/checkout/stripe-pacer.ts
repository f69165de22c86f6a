import { createHash } from "node:crypto";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { getEnv, type Env } from "../env.ts";

/** The Stripe endpoints the platform calls, each with its own per-endpoint limit. */
export type StripeEndpoint = "create_checkout_session" | "expire_checkout_session";

/** Sandbox figures (docs.stripe.com/rate-limits): live mode allows 100 operations a second in all. */
export const STRIPE_SANDBOX_GLOBAL_PER_SECOND = 25;
export const STRIPE_ENDPOINT_PER_SECOND = 25;

/** A slot to call at (`waitMs` from now, already taken), or none within the wait asked for. */
export type PaceSlot = { waitMs: number } | { retryInMs: number };

/**
 * Paces the platform's calls to one Stripe account across every instance,
 * under the account's global rate and each endpoint's rate (both from the
 * environment: `STRIPE_GLOBAL_RATE_PER_SECOND`, `STRIPE_ENDPOINT_RATE_PER_SECOND`).
 * Calls start evenly spaced, so a flash sale spends the whole budget and
 * Stripe never sees a burst over it.
 */
export interface StripePacer {
  /** Takes the endpoint's next slot when it is at most `maxWaitMs` away. */
  take(endpoint: StripeEndpoint, maxWaitMs: number): Promise<PaceSlot>;
  /** Stripe throttled a call anyway: no instance calls this endpoint (nor the account, for a global limit) for `ms`. */
  defer(endpoint: StripeEndpoint, ms: number, scope: "endpoint" | "global"): Promise<void>;
}

interface PaceKeys {
  endpoint: string;
  intervalMs: number;
  global: string;
  globalPerSecond: number;
}

function paceKeys(
  env: Pick<
    Env,
    "STRIPE_ACCOUNT_ID" | "STRIPE_SECRET_KEY" | "STRIPE_GLOBAL_RATE_PER_SECOND" | "STRIPE_ENDPOINT_RATE_PER_SECOND"
  >,
  endpoint: StripeEndpoint,
): PaceKeys {
  // One budget per Stripe account: its id when set (every app's key on the account shares it),
  // else a digest of the key, never the key itself.
  const account =
    env.STRIPE_ACCOUNT_ID ??
    createHash("sha256")
      .update(env.STRIPE_SECRET_KEY ?? "emulator")
      .digest("hex")
      .slice(0, 16);
  return {
    endpoint: `stripe:${account}:${endpoint}`,
    intervalMs: 1000 / env.STRIPE_ENDPOINT_RATE_PER_SECOND,
    global: `stripe:${account}:global`,
    globalPerSecond: Math.max(1, Math.floor(env.STRIPE_GLOBAL_RATE_PER_SECOND)),
  };
}

/**
 * Pacing kept in PostgreSQL (`stripe_pace_take`), shared by every instance
 * behind the pooler: each endpoint's calls evenly spaced at its rate, and
 * the account's global budget counted per second.
 */
export function createDatabaseStripePacer(database: Database, env: Env = getEnv()): StripePacer {
  return {
    async take(endpoint, maxWaitMs) {
      const keys = paceKeys(env, endpoint);
      const result = await database.pool.query<{ wait: number }>(
        "SELECT stripe_pace_take($1, $2::float8, $3, $4::int, $5::int) AS wait",
        [keys.endpoint, keys.intervalMs, keys.global, keys.globalPerSecond, Math.max(0, Math.round(maxWaitMs))],
      );
      const wait = Number(result.rows[0]?.wait);
      if (!Number.isFinite(wait)) throw new Error("stripe_pace_take returned no wait");
      return wait >= 0 ? { waitMs: wait } : { retryInMs: -wait };
    },
    async defer(endpoint, ms, scope) {
      const keys = paceKeys(env, endpoint);
      await database.pool.query("SELECT stripe_pace_defer($1, $2, $3::int, $4::int)", [
        keys.endpoint,
        scope === "global" ? keys.global : null,
        keys.globalPerSecond,
        Math.round(ms),
      ]);
    },
  };
}

/**
 * The same pacing inside one process, for the file backend (one process by
 * definition: `INVENTORY_BACKEND=json` is refused in production).
 */
export function createProcessStripePacer(env: Env = getEnv(), clock: () => number = Date.now): StripePacer {
  const next = new Map<string, number>();
  const seconds = new Map<string, number>();
  return {
    take(endpoint, maxWaitMs) {
      const keys = paceKeys(env, endpoint);
      const now = clock();
      let slot = Math.max(now, next.get(keys.endpoint) ?? now);
      for (;;) {
        if (slot - now > maxWaitMs) return Promise.resolve({ retryInMs: Math.ceil(slot - now) });
        const second = `${keys.global}@${Math.floor(slot / 1000)}`;
        const calls = seconds.get(second) ?? 0;
        if (calls < keys.globalPerSecond) {
          seconds.set(second, calls + 1);
          next.set(keys.endpoint, slot + keys.intervalMs);
          return Promise.resolve({ waitMs: Math.ceil(slot - now) });
        }
        slot = (Math.floor(slot / 1000) + 1) * 1000;
      }
    },
    defer(endpoint, ms, scope) {
      const keys = paceKeys(env, endpoint);
      const now = clock();
      const until = now + ms;
      next.set(keys.endpoint, Math.max(next.get(keys.endpoint) ?? 0, until));
      if (scope === "global") {
        for (let second = Math.floor(now / 1000); second <= Math.floor(until / 1000); second++)
          seconds.set(`${keys.global}@${second}`, keys.globalPerSecond);
      }
      return Promise.resolve();
    },
  };
}

const globalForPacer = globalThis as unknown as { __acmeStripePacer?: StripePacer };

export function getStripePacer(): StripePacer {
  const env = getEnv();
  globalForPacer.__acmeStripePacer ??=
    env.INVENTORY_BACKEND === "json" ? createProcessStripePacer(env) : createDatabaseStripePacer(getDatabase(), env);
  return globalForPacer.__acmeStripePacer;
}
