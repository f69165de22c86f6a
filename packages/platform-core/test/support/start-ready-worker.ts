import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Starts a test worker (a TypeScript file run by tsx) in its own OS process
 * with one JSON argument. `ready` resolves when it prints "ready"; write
 * "go\n" to its stdin to start it; `done` resolves to the JSON of its last
 * output line, or undefined when it was killed with SIGKILL.
 */
export function startReadyWorker<T>(worker: string, command: object) {
  const child = spawn(process.execPath, ["--import", "tsx", worker, JSON.stringify(command)], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  const ready = new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready\n")) resolve();
    });
  });
  const done = new Promise<T | undefined>((resolve, reject) => {
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") return resolve(undefined);
      if (code !== 0) return reject(new Error(`worker exited with ${code}`));
      resolve(JSON.parse(output.trim().split("\n").pop()!) as T);
    });
  });
  return { child, ready, done };
}
