import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./postgres.ts";

export interface RunningPgBouncer {
  /** The upstream URL with PgBouncer's host and port. */
  url: string;
  stop(): Promise<void>;
}

export interface StartPgBouncerOptions {
  /** The PostgreSQL server behind it (user, password, host, port, database). */
  upstreamUrl: string;
  /** Server connections per database and user (PgBouncer's `default_pool_size`). */
  poolSize?: number;
  /** The `pgbouncer` binary (default: `PGBOUNCER` or Debian's `/usr/sbin/pgbouncer`). */
  binary?: string;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Debian's `pgbouncer` binary, if installed. */
export function pgBouncerBinary(): string | undefined {
  const candidate = process.env.PGBOUNCER ?? "/usr/sbin/pgbouncer";
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * PgBouncer in transaction mode in front of one database, as serverless
 * deployments put it: each transaction may run on another server connection,
 * so nothing may rely on session state. As root it runs as the `postgres`
 * system user (PgBouncer refuses root), which `startEmbeddedPostgres` creates.
 */
export async function startPgBouncer(options: StartPgBouncerOptions): Promise<RunningPgBouncer> {
  const binary = options.binary ?? pgBouncerBinary();
  if (!binary) throw new Error("pgbouncer is not installed: apt-get install pgbouncer (or set PGBOUNCER to its binary)");
  const upstream = new URL(options.upstreamUrl);
  const user = decodeURIComponent(upstream.username);
  const password = decodeURIComponent(upstream.password);
  const database = decodeURIComponent(upstream.pathname.slice(1));
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), "acme-pgbouncer-"));
  await chmod(dir, 0o755);
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  await writeFile(path.join(dir, "userlist.txt"), `${quote(user)} ${quote(password)}\n`, { mode: 0o644 });
  await writeFile(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `${database} = host=${upstream.hostname} port=${upstream.port || 5432} dbname=${database}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = plain",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 32}`,
      "max_client_conn = 2000",
      "ignore_startup_parameters = extra_float_digits,options",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  const args = [...(isRoot ? ["-u", "postgres"] : []), path.join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const stopSync = () => child.exitCode === null && child.kill("SIGKILL");
  process.once("exit", stopSync);
  try {
    await waitForPort(port, child, () => stderr);
  } catch (error) {
    stopSync();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const url = new URL(options.upstreamUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    async stop() {
      process.off("exit", stopSync);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${log().trim()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pgbouncer did not listen on ${port} within 10 s: ${log().trim()}`);
}
