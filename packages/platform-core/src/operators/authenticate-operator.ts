import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { parseSignIn } from "./operator-inputs.ts";
import { OPERATOR_SELECT, toOperator } from "./operator-records.ts";
import { dummyPasswordHash, verifyPassword } from "./password.ts";
import { CLIENT_THROTTLE, EMAIL_THROTTLE, clearSignInFailures, recordSignInFailure, throttleWaitSeconds, type ThrottleKey } from "./sign-in-throttle.ts";
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
 * email or client fails with `rate_limited` before any password is checked.
 */
export async function authenticateOperator({
  email,
  password,
  clientKey,
  database = getDatabase(),
  now = new Date(),
}: AuthenticateOperatorOptions): Promise<Operator> {
  const input = parseSignIn({ email, password });
  const keys: ThrottleKey[] = [{ key: `email:${input.email}`, policy: EMAIL_THROTTLE }];
  if (clientKey) keys.push({ key: `client:${clientKey}`, policy: CLIENT_THROTTLE });

  const wait = await throttleWaitSeconds(database, keys, now);
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
  if (!row || !matches || row.disabledAt !== null) {
    await recordSignInFailure(database, keys, now);
    throw new InventoryError("unauthorized", WRONG_CREDENTIALS);
  }
  await clearSignInFailures(database, `email:${input.email}`);
  return toOperator(row);
}
