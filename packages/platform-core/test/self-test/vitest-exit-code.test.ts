import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { freePort } from "@acme/testkit";
import { describe, expect, inject, it } from "vitest";

// The suite is only as good as its exit code: a run that prints "1 failed" and
// exits 0 lets a broken submission land. This runs Vitest as a child process
// on ./fixture, a project with the suite's own global PostgreSQL setup, once
// per way a run can fail, with and without DATABASE_URL (embedded server).

const require = createRequire(import.meta.url);
const vitestCli = path.join(path.dirname(require.resolve("vitest/package.json")), "vitest.mjs");
const fixtureConfig = path.join(import.meta.dirname, "fixture", "vitest.config.ts");

interface Run {
  code: number | null;
  output: string;
}

function runFixture(fixture: string, env: Record<string, string | undefined>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, FIXTURE: fixture, NO_COLOR: "1", FORCE_COLOR: "0", ...env };
  // Our own worker's Vitest markers would make the child think it is a worker.
  for (const key of Object.keys(childEnv)) if (key.startsWith("VITEST")) delete childEnv[key];
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestCli, "run", "--config", fixtureConfig], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const failures: Array<{ fixture: string; expected: RegExp }> = [
  { fixture: "failing-assertion", expected: /fixture: a failing assertion[\s\S]*expected 1 to be 2/ },
  { fixture: "hook-error", expected: /fixture: an error in a hook/ },
  { fixture: "load-error", expected: /fixture: a test file that throws while loading/ },
  { fixture: "unhandled-rejection", expected: /Unhandled Rejection[\s\S]*fixture: an unhandled rejection/ },
];

const modes = [
  { name: "embedded PostgreSQL (no DATABASE_URL)", databaseUrl: () => undefined },
  { name: "DATABASE_URL", databaseUrl: () => inject("postgresAdminUrl") },
];

describe.each(modes)("a child Vitest with the suite's global setup, $name", ({ databaseUrl }) => {
  it("exits 0 when its test passes", async () => {
    const run = await runFixture("passing", { DATABASE_URL: databaseUrl() });
    expect(run.output).toMatch(/Tests\s+1 passed/);
    expect(run.code, run.output).toBe(0);
  });

  it.each(failures)("exits non-zero on $fixture, and says why", async ({ fixture, expected }) => {
    const run = await runFixture(fixture, { DATABASE_URL: databaseUrl() });
    expect(run.output).toMatch(expected);
    expect(run.code, run.output).not.toBe(0);
  });
});

describe("a child Vitest whose global setup fails", () => {
  it("exits non-zero when the setup throws", async () => {
    const run = await runFixture("passing", {
      FIXTURE_GLOBAL_SETUP: "./failing-setup.ts",
      DATABASE_URL: inject("postgresAdminUrl"),
    });
    expect(run.output).toMatch(/fixture: a global setup that fails/);
    expect(run.code, run.output).not.toBe(0);
  });

  it("exits non-zero when DATABASE_URL names a server that is not there", async () => {
    const run = await runFixture("passing", {
      DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${await freePort()}/postgres`,
    });
    expect(run.output).toMatch(/ECONNREFUSED/);
    expect(run.code, run.output).not.toBe(0);
  });
});
