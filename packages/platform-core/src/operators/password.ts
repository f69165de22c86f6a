import { hash, verify } from "@node-rs/argon2";

// `Algorithm.Argon2id` (an ambient const enum, which isolated modules cannot read).
const ARGON2ID = 2;

// OWASP's argon2id baseline (19 MiB, 2 passes): slow for an attacker with a
// stolen table, about 20-40 ms for one sign-in here.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash never authenticates.
    return false;
  }
}

// Verified against when the email is unknown, so both paths cost the same time.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword("unknown operator: constant-time padding");
  return dummyHash;
}
