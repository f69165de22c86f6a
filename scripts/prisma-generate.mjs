// Runs `prisma generate` offline. Generation needs no schema engine, but the
// CLI insists that one exists on disk, so any existing file satisfies it.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
env.CHECKPOINT_DISABLE = "1";

let cli;
try {
  cli = require.resolve("prisma/build/index.js");
} catch {
  console.log("prisma is not installed yet; skipping client generation");
  process.exit(0);
}
const result = spawnSync(process.execPath, [cli, "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
