// `pnpm db:migrate`: applies prisma/migrations to DATABASE_URL (from the environment or the repo's .env).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getEnv } from "../env.ts";
import { applyMigrations } from "./migrations.ts";

const envFile = fileURLToPath(new URL("../../../../.env", import.meta.url));
if (existsSync(envFile)) process.loadEnvFile(envFile);

const { DATABASE_URL } = getEnv();
if (!DATABASE_URL) {
  console.error("DATABASE_URL is not set. Set it in the environment or in .env (see .env.template).");
  process.exit(2);
}

try {
  const result = await applyMigrations({ databaseUrl: DATABASE_URL, log: (line) => console.log(line) });
  console.log(
    result.applied.length === 0
      ? `Database is up to date (${result.alreadyApplied.length} migrations applied earlier).`
      : `Applied ${result.applied.length} migration(s).`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
