import { spawn } from "node:child_process";
import { connect } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";

export interface RunningApp {
  url: string;
  stop(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** True when something already listens on host:port. */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function prefixLines(prefix: string, write: (line: string) => void) {
  let pending = "";
  return (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) write(`${prefix} ${line}`);
  };
}

/** `next start` for an app's production build, its output prefixed, ready when it answers HTTP. */
export async function runNextApp(options: {
  appDir: string;
  name: string;
  host: string;
  port: number;
  env: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<RunningApp> {
  if (await portInUse(options.host, options.port)) {
    throw new Error(`port ${options.port} is already in use: stop whatever runs there or pick another port (${options.name === "shop" ? "SHOP_PORT" : "CMS_PORT"})`);
  }
  const nextBin = createRequire(path.join(options.appDir, "package.json")).resolve("next/dist/bin/next");
  const child = spawn(process.execPath, [nextBin, "start", "--port", String(options.port), "--hostname", options.host], {
    cwd: options.appDir,
    env: { ...process.env, ...options.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tag = `[${options.name}]`;
  child.stdout.on("data", prefixLines(tag, (line) => console.log(line)));
  child.stderr.on("data", prefixLines(tag, (line) => console.error(line)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = `http://${options.host}:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode} before it was ready`);
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${options.name} did not answer on ${url} in time`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url,
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
