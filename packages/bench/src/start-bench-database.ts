import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@acme/testkit";
import pg from "pg";

export interface BenchDatabase {
  url: string;
  /** Where the server came from, for the report. */
  source: "embedded" | "DATABASE_URL";
  /** The embedded server's postmaster (its CPU is read from /proc); undefined for DATABASE_URL's server. */
  serverPid: number | undefined;
  /**
   * Another fresh database on the same server, for a phase that must not
   * share the bench database (the checkout phase's apps); dropped by `stop`
   * (kept with `keepDatabase` in DATABASE_URL mode). Returns its URL.
   */
  createDatabase(suffix: string): Promise<string>;
  stop(): Promise<void>;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A fresh database for one run. Embedded PostgreSQL keeps its default
 * durability (fsync and synchronous commit on): the per-transaction cost of a
 * WAL flush is exactly what the hot-variant phase measures, so turning it off
 * would flatter every approach and hide the difference between them.
 */
export async function startBenchDatabase(options: {
  databaseUrl: string | undefined;
  keepDatabase: boolean;
}): Promise<BenchDatabase> {
  if (options.databaseUrl === undefined) {
    // Our own data folder rather than testkit's temporary one: a process that
    // exits before an async cleanup could run (Ctrl-C ends the run with
    // process.exit) still removes it, in a synchronous 'exit' handler.
    const dataDir = await mkdtemp(path.join(tmpdir(), "acme-bench-pg-"));
    const removeSync = () => rmSync(dataDir, { recursive: true, force: true });
    process.once("exit", removeSync);
    // A fresh cluster has no WAL segments to recycle, so every 16 MB of WAL it
    // creates a new segment, zero-filled and fsynced while commits wait: a
    // 10-20 ms stall that a server in service (which recycles segments) does
    // not have. Skipping the zero-fill keeps fsync and synchronous commit, and
    // applies to the baselines as much as to the platform.
    const server = await startEmbeddedPostgres({ dataDir, settings: { wal_init_zero: "off" } });
    const stop = async () => {
      // The data folder goes with the server: its databases need no drop.
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
      process.removeListener("exit", removeSync);
    };
    try {
      const url = await server.createDatabase("acme_bench");
      return {
        url,
        source: "embedded",
        serverPid: server.pid,
        createDatabase: (suffix) => server.createDatabase(`acme_bench_${suffix}`),
        stop,
      };
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
  }

  // Never touch the database DATABASE_URL names: work in a new one beside it.
  const name = `acme_bench_${process.pid}`;
  const serverUrl = options.databaseUrl;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const created: string[] = [];
  const create = async (database: string) => {
    await admin(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
    await admin(`CREATE DATABASE ${quoteIdent(database)}`);
    created.push(database);
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const url = await create(name);
  return {
    url,
    source: "DATABASE_URL",
    serverPid: undefined,
    createDatabase: (suffix) => create(`${name}_${suffix}`),
    stop: async () => {
      if (options.keepDatabase) return;
      for (const database of created.reverse())
        await admin(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    },
  };
}
