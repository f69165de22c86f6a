import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

async function newestMtime(target: string): Promise<number> {
  if (!existsSync(target)) return 0;
  const info = await stat(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(target, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".next" || entry.name === "generated") continue;
    newest = Math.max(newest, await newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

/**
 * `next build` for an app whose production build is missing or older than
 * anything it is built from: its own sources and config, the library's
 * source (compiled into the app) and the lockfile.
 */
export async function buildIfStale(options: {
  root: string;
  appDir: string;
  name: string;
  log: (line: string) => void;
}): Promise<void> {
  const buildId = path.join(options.appDir, ".next", "BUILD_ID");
  const built = existsSync(buildId) ? (await stat(buildId)).mtimeMs : 0;
  const inputs = [
    path.join(options.appDir, "src"),
    path.join(options.appDir, "next.config.ts"),
    path.join(options.appDir, "package.json"),
    path.join(options.root, "packages", "platform-core", "src"),
    path.join(options.root, "pnpm-lock.yaml"),
  ];
  const newest = Math.max(...(await Promise.all(inputs.map(newestMtime))));
  if (built > newest) {
    options.log(`${options.name}: production build is up to date`);
    return;
  }
  options.log(
    `${options.name}: ${built ? "sources changed since the last build" : "no production build yet"}; running next build (about a minute)...`,
  );
  const nextBin = createRequire(path.join(options.appDir, "package.json")).resolve("next/dist/bin/next");
  const started = Date.now();
  let output = "";
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [nextBin, "build"], {
      cwd: options.appDir,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", resolve);
  });
  if (code !== 0) throw new Error(`next build of ${options.name} failed (exit ${code}):\n${output}`);
  options.log(`${options.name}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
