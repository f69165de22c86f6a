import type pg from "pg";
import type { Database } from "../db/prisma-client.ts";

/** A pool or a client inside a transaction: what the stock event SQL runs on. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/** Runs `fn` in one transaction on one connection (no network call may happen inside it). */
export async function inTransaction<T>(db: Database, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
