import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { getEnv } from "../env.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { PrismaClient } from "../generated/prisma/client.ts";

export type { PrismaClient };

/** One connection pool, shared by Prisma and the few raw-SQL hot paths. */
export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  url: string;
  poolSize?: number;
  /** Give up on acquiring a connection after this long (ms): fail with `unavailable`, never hang. */
  connectionTimeoutMillis?: number;
}

export function createDatabase(options: CreateDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    prisma,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

// Kept on globalThis so that hot reloading in development does not open a pool per reload.
const globalForDatabase = globalThis as unknown as { __acmeDatabase?: Database };

/** The process-wide database, created on first use from `DATABASE_URL`. */
export function getDatabase(): Database {
  if (globalForDatabase.__acmeDatabase) return globalForDatabase.__acmeDatabase;
  const env = getEnv();
  if (!env.DATABASE_URL) {
    throw new InventoryError("misconfigured", "DATABASE_URL is not set; the prisma inventory backend needs it.");
  }
  const database = createDatabase({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  globalForDatabase.__acmeDatabase = database;
  return database;
}

/** Closes the process-wide database (graceful shutdown, end of tests). */
export async function closeDatabase(): Promise<void> {
  const database = globalForDatabase.__acmeDatabase;
  globalForDatabase.__acmeDatabase = undefined;
  await database?.close();
}
