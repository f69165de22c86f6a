import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { parseSignIn } from "./operator-inputs.ts";
import { OPERATOR_SELECT, toOperator } from "./operator-records.ts";
import { dummyPasswordHash, verifyPassword } from "./password.ts";
import { createHash } from "node:crypto";
import {
  CLIENT_THROTTLE,
  EMAIL_THROTTLE,
  releaseSignInAttempt,
  reserveSignInAttempt,
  type ThrottleKey,
} from "./sign-in-throttle.ts";
import type { Operator } from "./types.ts";

export interface AuthenticateOperatorOptions {
  email: unknown;
  password: unknown;
  /** The client's address (or another stable id), throttled alongside the email. */
  clientKey?: string;
  database?: Database;
  now?: Date;
}

const WRONG_CREDENTIALS = "Email or password is incorrect.";

/**
 * Checks an operator's credentials. Unknown email, wrong password and a
 * disabled account all fail the same way and take the same time; a throttled
 * email or client fails with `rate_limited` before any password is checked,
 * and concurrent attempts are counted before they are checked, so a burst of
 * them tests no more passwords than the same attempts one after another.
 */
export async function authenticateOperator({
  email,
  password,
  clientKey,
  database = getDatabase(),
  now = new Date(),
}: AuthenticateOperatorOptions): Promise<Operator> {
  const input = parseSignIn({ email, password });
  const emailKey = `email:${input.email}`;
  // A client's address is hashed: whatever a header carries, the key stays short.
  const clientKeys: ThrottleKey[] = clientKey
    ? [{ key: `client:${createHash("sha256").update(clientKey).digest("hex").slice(0, 32)}`, policy: CLIENT_THROTTLE }]
    : [];

  const wait = await reserveSignInAttempt(database, [{ key: emailKey, policy: EMAIL_THROTTLE }, ...clientKeys], now);
  if (wait > 0) {
    throw new InventoryError("rate_limited", `Too many failed sign-ins. Try again in ${wait} s.`, {
      details: { retryAfterSeconds: wait },
    });
  }

  const row = await database.prisma.operator.findUnique({
    where: { email: input.email },
    select: { ...OPERATOR_SELECT, passwordHash: true },
  });
  const matches = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), input.password);
  // A failure was counted when the attempt was reserved.
  if (!row || !matches || row.disabledAt !== null) throw new InventoryError("unauthorized", WRONG_CREDENTIALS);
  await releaseSignInAttempt(database, emailKey, clientKeys);
  return toOperator(row);
}
