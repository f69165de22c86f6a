import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
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
  /** The `pgbouncer` binary (default: `resolvePgBouncer()`). */
  binary?: string;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Debian's `pgbouncer` binary, if installed. */
export function pgBouncerBinary(): string | undefined {
  const candidate = process.env.PGBOUNCER ?? "/usr/sbin/pgbouncer";
  return existsSync(candidate) ? candidate : undefined;
}

/** Debian's packages for PgBouncer and the libraries a base system lacks. */
const DEBIAN_PACKAGES = ["pgbouncer", "libevent-2.1-7", "libc-ares2"];

export interface PgBouncerCommand {
  binary: string;
  /** Set when the binary runs from unpacked packages: where its libraries are. */
  libraryPath?: string;
}

/**
 * The `pgbouncer` to run: the installed one, or else Debian's package and its
 * libraries fetched from the archive (`apt-get download`, no install) and
 * unpacked once into the temporary folder, so the suite needs no `apt-get
 * install` on a fresh machine. As root, `apt-get update` runs first when the
 * package lists are empty.
 */
export async function resolvePgBouncer(): Promise<PgBouncerCommand> {
  const installed = pgBouncerBinary();
  if (installed) return { binary: installed };
  const root = path.join(tmpdir(), `acme-pgbouncer-debian-${process.arch}`);
  const binary = path.join(root, "usr", "sbin", "pgbouncer");
  const libraryPath = [
    path.join(root, "usr", "lib", "x86_64-linux-gnu"),
    path.join(root, "usr", "lib", "aarch64-linux-gnu"),
    path.join(root, "usr", "lib"),
  ].join(":");
  if (existsSync(binary)) return { binary, libraryPath };
  const work = await mkdtemp(path.join(tmpdir(), "acme-pgbouncer-fetch-"));
  try {
    // apt's sandbox user must be able to write the downloads.
    await chmod(work, 0o777);
    const download = () => run("apt-get", ["download", ...DEBIAN_PACKAGES], work);
    try {
      await download();
    } catch (error) {
      if (!isRoot)
        throw new Error(
          `pgbouncer is not installed and its Debian packages could not be fetched (${String(error)}); apt-get install pgbouncer, or set PGBOUNCER`,
          { cause: error },
        );
      await run("apt-get", ["update", "-qq"], work);
      await download();
    }
    const unpacked = path.join(work, "root");
    for (const file of (await readdir(work)).filter((name) => name.endsWith(".deb"))) {
      await run("dpkg-deb", ["-x", path.join(work, file), unpacked], work);
    }
    // The postgres system user runs it when we are root: every folder on the way must be readable.
    await chmod(unpacked, 0o755);
    await rename(unpacked, root).catch((error: NodeJS.ErrnoException) => {
      // Another process unpacked it first: theirs is as good.
      if (!existsSync(binary)) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { binary, libraryPath };
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`)),
    );
  });
}

/**
 * PgBouncer in transaction mode in front of one database, as serverless
 * deployments put it: each transaction may run on another server connection,
 * so nothing may rely on session state. As root it runs as the `postgres`
 * system user (PgBouncer refuses root), which `startEmbeddedPostgres` creates.
 */
export async function startPgBouncer(options: StartPgBouncerOptions): Promise<RunningPgBouncer> {
  const command: PgBouncerCommand = options.binary ? { binary: options.binary } : await resolvePgBouncer();
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
  const env = command.libraryPath ? { ...process.env, LD_LIBRARY_PATH: command.libraryPath } : process.env;
  const child: ChildProcess = spawn(command.binary, args, { stdio: ["ignore", "ignore", "pipe"], env });
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
