import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { InventoryError } from "../errors/inventory-error.ts";

/**
 * Applies `prisma/migrations/<name>/migration.sql` the way `prisma migrate
 * deploy` does, without Prisma's schema engine (which cannot be downloaded
 * everywhere this runs). Both tools share `_prisma_migrations`, the checksum
 * (SHA-256 of the file) and the advisory lock key, so either can take over.
 */

/** The advisory lock key Prisma's schema engine takes while migrating. */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;

/**
 * `prisma/migrations` of the repository: the nearest one above the working
 * directory. Found by walking up rather than from this file's URL, because
 * bundlers (the Next.js apps) move this module but keep the working directory.
 */
export function defaultMigrationsDir(start = process.cwd()): string {
  for (let dir = path.resolve(/*turbopackIgnore: true*/ start); ; dir = path.dirname(dir)) {
    const candidate = path.join(/*turbopackIgnore: true*/ dir, "prisma", "migrations");
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      throw new InventoryError("misconfigured", `No prisma/migrations folder above ${start}`);
    }
  }
}

// Prisma's own definition of its bookkeeping table.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrateOptions {
  databaseUrl: string;
  /** How long to wait for the migration lock (and DDL locks) before giving up; default 60 s. */
  lockTimeoutMs?: number;
  migrationsDir?: string;
  log?: (message: string) => void;
  /**
   * Stop before this migration (its folder name): only pending migrations named before it are applied; it and those
   * after stay pending. For rehearsing a migration on a database as it was before it. A name with no folder is refused.
   */
  stopBefore?: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export interface MigrationStatus {
  current: boolean;
  pending: string[];
  failed: string[];
  modified: string[];
}

export function migrationChecksum(sql: string | Buffer): string {
  return createHash("sha256").update(sql).digest("hex");
}

export async function readMigrations(migrationsDir = defaultMigrationsDir()): Promise<MigrationFile[]> {
  const entries = await readdir(/*turbopackIgnore: true*/ migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(path.join(migrationsDir, name, "migration.sql"));
      return { name, checksum: migrationChecksum(bytes), sql: bytes.toString("utf8") };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedRows(client: Pick<pg.ClientBase, "query">): Promise<AppliedRow[]> {
  const exists = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`,
  );
  if (!exists.rows[0]?.exists) return [];
  const result = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return result.rows;
}

function compare(files: MigrationFile[], rows: AppliedRow[]): MigrationStatus {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const finished = new Map(live.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
  const failed = live.filter((row) => row.finished_at === null).map((row) => row.migration_name);
  const modified = files
    .filter((file) => {
      const row = finished.get(file.name);
      return row !== undefined && row.checksum !== file.checksum;
    })
    .map((file) => file.name);
  const pending = files.filter((file) => !finished.has(file.name)).map((file) => file.name);
  return { current: pending.length === 0 && failed.length === 0 && modified.length === 0, pending, failed, modified };
}

/**
 * Whether the database has every migration applied, unchanged and finished.
 * Reads through `pool` when given (health checks), else opens one connection.
 */
export async function getMigrationStatus(
  options: { databaseUrl: string; migrationsDir?: string } | { pool: pg.Pool; migrationsDir?: string },
): Promise<MigrationStatus> {
  const files = await readMigrations(options.migrationsDir);
  if ("pool" in options) return compare(files, await appliedRows(options.pool));
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    return compare(files, await appliedRows(client));
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations in name order, each in its own transaction, under
 * Prisma's advisory lock so concurrent runs (ours or Prisma's) wait for each
 * other. Refuses to run when an applied migration's file changed since, or
 * when an earlier migration failed and needs an operator's attention.
 */
export async function applyMigrations(options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const all = await readMigrations(options.migrationsDir);
  const stop = options.stopBefore;
  if (stop !== undefined && !all.some((file) => file.name === stop)) {
    throw new InventoryError("misconfigured", `No migration ${stop} to stop before.`);
  }
  const files = stop === undefined ? all : all.filter((file) => file.name < stop);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    // Wait for a concurrent run, but not forever: a session left holding the
    // lock must not hang deploys. The same timeout bounds DDL lock waits.
    await client.query(`SET lock_timeout = '${Math.round(options.lockTimeoutMs ?? 60_000)}ms'`);
    try {
      await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
    } catch (error) {
      throw new InventoryError(
        "unavailable",
        "Another migration run has held the migration lock for too long; check for a stuck session (pg_locks, advisory lock 72707369).",
        { cause: error },
      );
    }
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const status = compare(files, await appliedRows(client));
      if (status.failed.length > 0) {
        throw new InventoryError(
          "conflict",
          `Migration ${status.failed.join(", ")} failed earlier and was never finished. Inspect the database, then mark it rolled back (prisma migrate resolve) before migrating again.`,
          { details: { failed: status.failed } },
        );
      }
      if (status.modified.length > 0) {
        throw new InventoryError(
          "conflict",
          `Migration ${status.modified.join(", ")} was modified after it was applied. Restore the original file and add a new migration instead.`,
          { details: { modified: status.modified } },
        );
      }
      const pending = files.filter((file) => status.pending.includes(file.name));
      for (const file of pending) {
        const id = randomUUID();
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
          [id, file.checksum, file.name],
        );
        try {
          // The row is marked finished inside the migration's own transaction: a
          // crash can then never leave applied statements behind a row that
          // says the migration failed (whose fix, rolling it back, would be wrong).
          await client.query("BEGIN");
          await client.query(file.sql);
          await client.query(
            `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
            [id],
          );
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          const message = error instanceof Error ? error.message : String(error);
          await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
          throw new InventoryError("internal", `Migration ${file.name} failed: ${message}`, { cause: error });
        }
        log(`applied ${file.name}`);
      }
      return {
        applied: pending.map((file) => file.name),
        alreadyApplied: files.filter((file) => !status.pending.includes(file.name)).map((file) => file.name),
      };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}
