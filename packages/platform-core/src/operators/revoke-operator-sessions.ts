import { getDatabase, type Database } from "../db/prisma-client.ts";

/**
 * Ends every session the operator has signed in so far, on every device:
 * sessions are sealed cookies the server keeps no copy of, so signing out
 * records the time before which they are refused.
 */
export async function revokeOperatorSessions({
  id,
  database = getDatabase(),
  now = new Date(),
}: {
  id: string;
  database?: Database;
  now?: Date;
}): Promise<void> {
  await database.pool.query(`UPDATE "Operator" SET "sessionsValidFrom" = $2, "updatedAt" = $2 WHERE id = $1`, [
    id,
    now,
  ]);
}
