import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Stripe from "stripe";
import { expect, it } from "vitest";
import { sessionParams } from "./test-fixture.ts";

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tsx = path.join(packageDir, "node_modules", ".bin", "tsx");

function runCli(env: Record<string, string>) {
  return spawn(tsx, ["src/cli.ts"], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

it("starts from environment variables and serves the SDK until SIGTERM", async () => {
  const child = runCli({
    STRIPE_EMULATOR_PORT: "0",
    STRIPE_WEBHOOK_SECRET: "whsec_cli",
    STRIPE_EMULATOR_LIMITS: "live",
    STRIPE_EMULATOR_CONCURRENCY: "7",
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let output = "";
  try {
    const baseUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^STRIPE_API_BASE_URL=(\S+)$/m.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.on("exit", (code) => reject(new Error(`cli exited with ${code}: ${output}`)));
    });
    const url = new URL(baseUrl);
    const stripe = new Stripe("sk_test_cli", { host: url.hostname, port: url.port, protocol: "http" });
    const session = await stripe.checkout.sessions.create(sessionParams());
    expect(session.url).toBe(`${baseUrl}/checkout/${session.id}`);
    expect(output).toContain("rate limits: live (100/s global, 25/s per endpoint, 7 in flight)");
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
}, 20_000);

it("refuses to start without STRIPE_WEBHOOK_SECRET", async () => {
  const child = runCli({ STRIPE_EMULATOR_PORT: "0" });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(code).toBe(1);
  expect(stderr).toContain("STRIPE_WEBHOOK_SECRET");
}, 20_000);
