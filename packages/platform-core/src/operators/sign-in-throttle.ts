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

export const EMAIL_THROTTLE: ThrottlePolicy = {
  windowSeconds: 900,
  freeFailures: 5,
  firstBlockSeconds: 30,
  maxBlockSeconds: 900,
};
export const CLIENT_THROTTLE: ThrottlePolicy = {
  windowSeconds: 900,
  freeFailures: 20,
  firstBlockSeconds: 30,
  maxBlockSeconds: 900,
};

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/**
 * Reserves one attempt against every key before the password is checked, so
 * concurrent attempts cannot all slip past a check that no failure has been
 * recorded yet: each attempt counts as a failure at once (a success gives it
 * back), and a key already blocked is not counted again. Answers 0 when the
 * attempt may go ahead, else the seconds until it may.
 */
export async function reserveSignInAttempt(database: Database, keys: ThrottleKey[], now: Date): Promise<number> {
  let refused = false;
  for (const { key, policy } of keys) {
    const { rowCount } = await database.pool.query(
      `INSERT INTO "SignInThrottle" AS t (key, failures, "windowStart", "blockedUntil")
       VALUES ($1, 1, $2::timestamptz, NULL)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t."windowStart" <= $2::timestamptz - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END,
         "windowStart" = CASE WHEN t."windowStart" <= $2::timestamptz - make_interval(secs => $3) THEN $2::timestamptz ELSE t."windowStart" END,
         "blockedUntil" = CASE
           WHEN t."windowStart" <= $2::timestamptz - make_interval(secs => $3) OR t.failures + 1 <= $4 THEN NULL
           ELSE $2::timestamptz + make_interval(secs => least($6::float8, $5::float8 * power(2, t.failures + 1 - $4 - 1)))
         END
       WHERE t."blockedUntil" IS NULL OR t."blockedUntil" <= $2::timestamptz`,
      [key, now, policy.windowSeconds, policy.freeFailures, policy.firstBlockSeconds, policy.maxBlockSeconds],
    );
    if (rowCount === 0) refused = true;
  }
  // Now and then, forget keys whose window and block are long over (sprayed emails would pile up).
  if (Math.random() < 0.02) {
    await database.pool.query(
      `DELETE FROM "SignInThrottle" WHERE "windowStart" < $1::timestamptz - interval '1 day' AND ("blockedUntil" IS NULL OR "blockedUntil" < $1::timestamptz)`,
      [now],
    );
  }
  if (!refused) return 0;
  const { rows } = await database.pool.query<{ wait: string | null }>(
    `SELECT ceil(extract(epoch FROM max("blockedUntil") - $2::timestamptz)) AS wait
       FROM "SignInThrottle" WHERE key = ANY($1::text[]) AND "blockedUntil" > $2::timestamptz`,
    [keys.map((k) => k.key), now],
  );
  return Math.max(1, Number(rows[0]?.wait ?? 1));
}

/**
 * After a successful sign-in: the email's record is cleared, and each other
 * key gets back the attempt reserved for it.
 */
export async function releaseSignInAttempt(
  database: Database,
  emailKey: string,
  otherKeys: ThrottleKey[],
): Promise<void> {
  await database.pool.query(`DELETE FROM "SignInThrottle" WHERE key = $1`, [emailKey]);
  for (const { key, policy } of otherKeys) {
    await database.pool.query(
      `UPDATE "SignInThrottle" SET failures = greatest(failures - 1, 0),
         "blockedUntil" = CASE WHEN failures - 1 <= $2 THEN NULL ELSE "blockedUntil" END
       WHERE key = $1`,
      [key, policy.freeFailures],
    );
  }
}
