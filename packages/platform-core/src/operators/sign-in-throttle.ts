import type { Database } from "../db/prisma-client.ts";

/**
 * Failed sign-ins are counted per key (the email tried, and the client's
 * address) in the database, so every CMS instance sees the same counts.
 * Past a key's free allowance within the window, each further failure blocks
 * the key for twice as long as the last (30 s, 60 s, ... up to 15 min).
 */
export interface ThrottlePolicy {
  windowSeconds: number;
  /** Failures per window before blocking starts. */
  freeFailures: number;
  firstBlockSeconds: number;
  maxBlockSeconds: number;
}

export const EMAIL_THROTTLE: ThrottlePolicy = { windowSeconds: 900, freeFailures: 5, firstBlockSeconds: 30, maxBlockSeconds: 900 };
export const CLIENT_THROTTLE: ThrottlePolicy = { windowSeconds: 900, freeFailures: 20, firstBlockSeconds: 30, maxBlockSeconds: 900 };

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/** Seconds until every key may try again; 0 when none is blocked. */
export async function throttleWaitSeconds(database: Database, keys: ThrottleKey[], now: Date): Promise<number> {
  if (keys.length === 0) return 0;
  const { rows } = await database.pool.query<{ wait: string | null }>(
    `SELECT ceil(extract(epoch FROM max("blockedUntil") - $2::timestamptz)) AS wait
       FROM "SignInThrottle" WHERE key = ANY($1::text[]) AND "blockedUntil" > $2::timestamptz`,
    [keys.map((k) => k.key), now],
  );
  return Math.max(0, Number(rows[0]?.wait ?? 0));
}

/** Counts one failure against each key, atomically (concurrent failures all count). */
export async function recordSignInFailure(database: Database, keys: ThrottleKey[], now: Date): Promise<void> {
  for (const { key, policy } of keys) {
    await database.pool.query(
      `INSERT INTO "SignInThrottle" AS t (key, failures, "windowStart", "blockedUntil")
       VALUES ($1, 1, $2::timestamptz, NULL)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t."windowStart" <= $2::timestamptz - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END,
         "windowStart" = CASE WHEN t."windowStart" <= $2::timestamptz - make_interval(secs => $3) THEN $2::timestamptz ELSE t."windowStart" END,
         "blockedUntil" = CASE
           WHEN t."windowStart" <= $2::timestamptz - make_interval(secs => $3) OR t.failures + 1 <= $4 THEN t."blockedUntil"
           ELSE $2::timestamptz + make_interval(secs => least($6::float8, $5::float8 * power(2, t.failures + 1 - $4 - 1)))
         END`,
      [key, now, policy.windowSeconds, policy.freeFailures, policy.firstBlockSeconds, policy.maxBlockSeconds],
    );
  }
}

/** A successful sign-in clears its email's count (the client's address keeps its record). */
export async function clearSignInFailures(database: Database, key: string): Promise<void> {
  await database.pool.query(`DELETE FROM "SignInThrottle" WHERE key = $1`, [key]);
}
