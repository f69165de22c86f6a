import { existsSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import sparticuz from "@sparticuz/chromium";
import lockfile from "proper-lockfile";
import { chromium, type Browser } from "playwright-core";

/**
 * Where the browser comes from: the Chromium build inside the
 * `@sparticuz/chromium` npm package, so a fresh machine with only Node.js and
 * the npm registry runs the browser tests. `CHROMIUM_EXECUTABLE` names another
 * (Debian's `/usr/bin/chromium`, say) instead. Playwright never downloads one.
 */
const CHROMIUM_EXECUTABLE_ENV = "CHROMIUM_EXECUTABLE";

function packagedVersion(): string {
  const require = createRequire(import.meta.url);
  const packageJson = path.join(path.dirname(require.resolve("@sparticuz/chromium")), "..", "..", "package.json");
  return (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
}

/**
 * The package inflates its browser into the temp dir (`chromium`, with its
 * fonts and SwiftShader beside it) and takes an existing `chromium` file as
 * done. Test workers start browsers at the same time and an earlier run may
 * have been killed mid-inflate, so: one process at a time under a lock, and a
 * marker written only after a complete inflate of this version.
 */
async function packagedExecutable(): Promise<string> {
  const dir = tmpdir();
  const marker = path.join(dir, `acme-chromium-${packagedVersion()}.complete`);
  const lockTarget = path.join(dir, "acme-chromium.lock");
  await writeFile(lockTarget, "", { flag: "a" }); // the lock needs a file to lock; "a" never truncates
  const release = await lockfile.lock(lockTarget, {
    retries: { retries: 600, minTimeout: 100, maxTimeout: 100 },
    stale: 60_000,
  });
  try {
    if (!existsSync(marker)) await rm(path.join(dir, "chromium"), { force: true });
    const executable = await sparticuz.executablePath();
    await writeFile(marker, `${executable}\n`);
    return executable;
  } finally {
    await release();
  }
}

/** The Chromium executable the browser tests drive. */
export async function chromiumExecutable(): Promise<string> {
  const configured = process.env[CHROMIUM_EXECUTABLE_ENV];
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`${CHROMIUM_EXECUTABLE_ENV}=${configured}: no such file; unset it to use the Chromium from npm`);
    return configured;
  }
  return packagedExecutable();
}

/** Launches headless Chromium for end-to-end tests. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutable(),
    headless: true,
    // Root has no sandbox; the closed network refuses Chromium's background traffic.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}
