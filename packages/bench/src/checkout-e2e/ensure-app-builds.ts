import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * The apps the checkout phase serves with `next start`, the package name turbo builds each by, and the sources each
 * build is made of.
 */
export const CHECKOUT_APPS = [
  { name: "@acme/cms", dir: path.join(REPO_ROOT, "apps/cms"), sources: ["apps/cms/src"] },
  {
    name: "@acme/cover-me-pretty",
    dir: path.join(REPO_ROOT, "apps/cover-me-pretty"),
    sources: ["apps/cover-me-pretty/src"],
  },
] as const;

export const BUILD_COMMAND =
  "TURBO_TELEMETRY_DISABLED=1 pnpm exec turbo run build --filter=@acme/cms --filter=@acme/cover-me-pretty --output-logs=errors-only";

/** Sources both builds are made of, besides their own folder. */
const SHARED_SOURCES = ["packages/platform-core/src", "prisma"];

export interface AppBuild {
  name: string;
  /** `.next/BUILD_ID`'s mtime. */
  builtAt: Date;
  /** A source file changed after the build (the run uses the build anyway, and says so). */
  staleSource: string | undefined;
}

export interface AppBuilds {
  /** Whether this run had to build them. */
  built: boolean;
  apps: AppBuild[];
}

const buildIdOf = (dir: string) => path.join(dir, ".next", "BUILD_ID");

/**
 * The production builds the checkout phase serves. A missing one is built
 * here with turbo (its cache makes that quick when nothing changed); an
 * existing one is used as it is, never rebuilt under a server someone else
 * may be running from the same `.next` folder, and a source file newer than
 * it is reported. A build that fails stops the run with the command to run.
 */
export async function ensureAppBuilds(log: (message: string) => void): Promise<AppBuilds> {
  const missing = CHECKOUT_APPS.filter((app) => !existsSync(buildIdOf(app.dir)));
  if (missing.length > 0) {
    log(`  no production build of ${missing.map((app) => app.name).join(" and ")}: building them (turbo)`);
    await runTurboBuild();
    const still = CHECKOUT_APPS.filter((app) => !existsSync(buildIdOf(app.dir)));
    if (still.length > 0)
      throw new Error(
        `the build left no .next/BUILD_ID in ${still.map((app) => app.dir).join(", ")}; run: ${BUILD_COMMAND}`,
      );
  }
  const apps = await Promise.all(
    CHECKOUT_APPS.map(async (app): Promise<AppBuild> => {
      const builtAtMs = (await stat(buildIdOf(app.dir))).mtimeMs;
      const newest = await newestFile([...app.sources, ...SHARED_SOURCES].map((dir) => path.join(REPO_ROOT, dir)));
      const staleSource =
        newest && newest.mtimeMs > builtAtMs + 1_000 ? path.relative(REPO_ROOT, newest.file) : undefined;
      return { name: app.name, builtAt: new Date(builtAtMs), staleSource };
    }),
  );
  return { built: missing.length > 0, apps };
}

function runTurboBuild(): Promise<void> {
  const turbo = path.join(REPO_ROOT, "node_modules", ".bin", "turbo");
  if (!existsSync(turbo))
    return Promise.reject(
      new Error(
        `turbo is not installed at ${turbo} (pnpm install), so the apps cannot be built; run: ${BUILD_COMMAND}`,
      ),
    );
  return new Promise((resolve, reject) => {
    // The build's output goes to stderr: stdout carries only the report.
    const child = spawn(
      turbo,
      ["run", "build", "--filter=@acme/cms", "--filter=@acme/cover-me-pretty", "--output-logs=errors-only"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" },
        stdio: ["ignore", 2, 2],
      },
    );
    child.once("error", (error) => reject(new Error(`could not run turbo (${error.message}); run: ${BUILD_COMMAND}`)));
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `building the apps failed (turbo exited with ${code ?? signal}); fix the build, or run: ${BUILD_COMMAND}`,
          ),
        );
    });
  });
}

/** The most recently modified file under these folders (node_modules and build output skipped). */
async function newestFile(dirs: string[]): Promise<{ file: string; mtimeMs: number } | undefined> {
  let newest: { file: string; mtimeMs: number } | undefined;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name === "node_modules" || entry.name === ".next" || entry.name === "generated") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && !/\.test\.tsx?$/.test(entry.name)) {
        const { mtimeMs } = await stat(full);
        if (!newest || mtimeMs > newest.mtimeMs) newest = { file: full, mtimeMs };
      }
    }
  };
  for (const dir of dirs) await walk(dir);
  return newest;
}
