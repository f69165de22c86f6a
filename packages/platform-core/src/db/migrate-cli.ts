// `pnpm db:migrate`: applies prisma/migrations to DATABASE_DIRECT_URL, else DATABASE_URL (from the environment
// or the repo's .env). Behind a pooler, give the direct one: the runner holds a session-level advisory lock.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getEnv } from "../env.ts";
import { applyMigrations } from "./migrations.ts";

const envFile = fileURLToPath(new URL("../../../../.env", import.meta.url));
if (existsSync(envFile)) process.loadEnvFile(envFile);

const { DATABASE_DIRECT_URL, DATABASE_URL } = getEnv();
const databaseUrl = DATABASE_DIRECT_URL ?? DATABASE_URL;
if (!databaseUrl) {
  console.error(
    "Neither DATABASE_DIRECT_URL nor DATABASE_URL is set. Set one in the environment or in .env (see .env.template).",
  );
  process.exit(2);
}

try {
  const result = await applyMigrations({ databaseUrl, log: (line) => console.log(line) });
  console.log(
    result.applied.length === 0
      ? `Database is up to date (${result.alreadyApplied.length} migrations applied earlier).`
      : `Applied ${result.applied.length} migration(s).`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
