import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations } from "@acme/platform-core";

const MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations/", import.meta.url));

/**
 * Migrates a database up to, not including, migration `before`: the schema and SQL functions as they were before
 * that change, through the same `applyMigrations` (and checksums) as every other database. The earlier migrations
 * are copied into a folder of their own, which `applyMigrations` reads instead of the repository's.
 */
export async function applyMigrationsBefore(options: { databaseUrl: string; before: string }): Promise<string[]> {
  const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (!names.includes(options.before)) throw new Error(`No migration ${options.before} in ${MIGRATIONS_DIR}`);
  const dir = await mkdtemp(path.join(tmpdir(), "acme-bench-migrations-"));
  try {
    for (const name of names.filter((candidate) => candidate < options.before)) {
      await mkdir(path.join(dir, name));
      await copyFile(path.join(MIGRATIONS_DIR, name, "migration.sql"), path.join(dir, name, "migration.sql"));
    }
    const result = await applyMigrations({ databaseUrl: options.databaseUrl, migrationsDir: dir });
    return result.applied;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
