import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
// Declares the values global-postgres.ts provides to `inject`.
import type {} from "./global-postgres.ts";
import { createDatabase, type Database } from "../../src/db/prisma-client.ts";

export interface TestDatabase extends Database {
  url: string;
  name: string;
  /** Closes connections and drops the database. */
  destroy(): Promise<void>;
}

function urlFor(database: string): string {
  const url = new URL(inject("postgresAdminUrl"));
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("postgresAdminUrl") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * An empty database on the test server (no migrations applied). `drop` is a function property: tests hand it on unbound
 * to their cleanups.
 */
export async function createEmptyDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `acme_test_${process.ppid}_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    url: urlFor(name),
    name,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/** A fresh, migrated database of its own: a copy of the run's template. */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const name = `acme_test_${process.ppid}_${randomBytes(6).toString("hex")}`;
  const template = inject("postgresTemplate");
  // CREATE DATABASE ... TEMPLATE fails while another session is connected to the template; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + attempt * 25));
    }
  }
  const url = urlFor(name);
  const database = createDatabase({ url, poolSize: options.poolSize ?? 10 });
  return {
    ...database,
    url,
    name,
    async destroy() {
      await database.close();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
