import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { freePort } from "./postgres.ts";

export interface RunningNextApp {
  url: string;
  port: number;
  /** The `next start` process (soak tests sample its memory from /proc). */
  pid: number;
  /** Everything the server printed, for failure messages (empty when `onOutput` takes it). */
  output(): string;
  /** Settles when the server process ends, however it ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface StartNextAppOptions {
  /** The app's folder (holding `next.config.ts` and the `.next` build). */
  appDir: string;
  env?: Record<string, string | undefined>;
  /** Default 127.0.0.1. */
  host?: string;
  port?: number;
  /** How long to wait for the first successful request (ms). */
  readyTimeoutMs?: number;
  /** Receives the server's output line by line instead of keeping it (the demo prints it). */
  onOutput?: (line: string, stream: "stdout" | "stderr") => void;
}

function lines(write: (line: string) => void): (chunk: Buffer) => void {
  let pending = "";
  return (chunk) => {
    pending += chunk.toString();
    const complete = pending.split("\n");
    pending = complete.pop() ?? "";
    for (const line of complete) if (line.trim()) write(line);
  };
}

/**
 * Serves an app's production build (`next build` must have run: `pnpm test`
 * builds every app first) with `next start`, and waits until it answers.
 */
export async function startNextApp(options: StartNextAppOptions): Promise<RunningNextApp> {
  if (!existsSync(path.join(options.appDir, ".next", "BUILD_ID"))) {
    throw new Error(`${options.appDir} has no production build: run "pnpm -r run build" (pnpm test does) first`);
  }
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort());
  const nextBin = createRequire(path.join(options.appDir, "package.json")).resolve("next/dist/bin/next");
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [nextBin, "start", "--port", String(port), "--hostname", host], {
    cwd: options.appDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...options.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { onOutput } = options;
  if (onOutput) {
    child.stdout?.on(
      "data",
      lines((line) => onOutput(line, "stdout")),
    );
    child.stderr?.on(
      "data",
      lines((line) => onOutput(line, "stderr")),
    );
  } else {
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`next start did not answer on ${url} in time:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  return {
    url,
    port,
    pid: child.pid!,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
