import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Debian's `promtool` (package `prometheus`, which needs only libc): the
 * installed one (`PROMTOOL`, else `/usr/bin/promtool`), or else the package
 * fetched from the archive (`apt-get download`, no install) and unpacked
 * once into the temporary folder, as testkit does for PgBouncer, so the
 * suite needs no `apt-get install` on a fresh machine. As root,
 * `apt-get update` runs first when the package lists are empty.
 */
export async function resolvePromtool(): Promise<string> {
  const installed = process.env.PROMTOOL ?? "/usr/bin/promtool";
  if (existsSync(installed)) return installed;
  const root = path.join(tmpdir(), `acme-promtool-debian-${process.arch}`);
  const binary = path.join(root, "usr", "bin", "promtool");
  if (existsSync(binary)) return binary;
  const work = await mkdtemp(path.join(tmpdir(), "acme-promtool-fetch-"));
  try {
    // apt's sandbox user must be able to write the download.
    await chmod(work, 0o777);
    const download = () => run("apt-get", ["download", "prometheus"], work);
    try {
      await download();
    } catch (error) {
      if (!isRoot)
        throw new Error(
          `promtool is not installed and Debian's prometheus package could not be fetched (${String(error)}); apt-get install prometheus, or set PROMTOOL`,
          { cause: error },
        );
      await run("apt-get", ["update", "-qq"], work);
      await download();
    }
    const unpacked = path.join(work, "root");
    for (const file of (await readdir(work)).filter((name) => name.endsWith(".deb"))) {
      await run("dpkg-deb", ["-x", path.join(work, file), unpacked], work);
    }
    await rename(unpacked, root).catch((error: NodeJS.ErrnoException) => {
      // Another process unpacked it first: theirs is as good.
      if (!existsSync(binary)) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return binary;
}

/** Runs a command to its end: its exit code and everything it printed. */
export function runCommand(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

async function run(command: string, args: string[], cwd: string): Promise<void> {
  const { code, output } = await runCommand(command, args, cwd);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}: ${output.trim()}`);
}
