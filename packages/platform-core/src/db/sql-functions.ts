import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { defaultMigrationsDir } from "./migrations.ts";

// The SQL functions' source of truth: one file per function under
// prisma/functions/<name>.sql (`CREATE OR REPLACE`, as `pg_get_functiondef`
// prints it), so a function reads as it is now. Migrations that change a
// function are generated from these files (`pnpm db:function-migration`), and
// the schema-drift test proves the migrated database runs exactly them.

export interface SqlFunctionFile {
  name: string;
  file: string;
  sql: string;
}

/** prisma/functions beside prisma/migrations. */
export function defaultFunctionsDir(start = process.cwd()): string {
  return path.join(path.dirname(defaultMigrationsDir(start)), "functions");
}

export async function readSqlFunctionFiles(dir = defaultFunctionsDir()): Promise<SqlFunctionFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  return Promise.all(
    names.map(async (name) => ({
      name: name.slice(0, -".sql".length),
      file: path.join(dir, name),
      sql: await readFile(path.join(dir, name), "utf8"),
    })),
  );
}

export interface SqlFunctionDrift {
  /** Functions in the database without a file. */
  withoutFile: string[];
  /** Files whose function the database does not have (new functions). */
  notInDatabase: string[];
  /** Files whose definition differs from the database's (including a changed signature). */
  changed: string[];
}

const DEFINITIONS = `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition
  FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' ORDER BY 1, 2`;

/**
 * Compares the database's functions with the files: runs every file inside a
 * transaction that is rolled back, and sees which definitions that changes.
 * Changes nothing.
 */
export async function sqlFunctionDrift(client: pg.ClientBase, files: SqlFunctionFile[]): Promise<SqlFunctionDrift> {
  const group = (rows: Array<{ name: string; definition: string }>) => {
    const byName = new Map<string, string[]>();
    for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row.definition]);
    return byName;
  };
  await client.query("BEGIN");
  try {
    const before = group((await client.query<{ name: string; definition: string }>(DEFINITIONS)).rows);
    for (const file of files) await client.query(file.sql);
    const after = group((await client.query<{ name: string; definition: string }>(DEFINITIONS)).rows);
    const fileNames = new Set(files.map((file) => file.name));
    return {
      withoutFile: [...before.keys()].filter((name) => !fileNames.has(name)),
      notInDatabase: files.map((file) => file.name).filter((name) => !before.has(name)),
      changed: files
        .map((file) => file.name)
        .filter((name) => before.has(name) && JSON.stringify(before.get(name)) !== JSON.stringify(after.get(name))),
    };
  } finally {
    await client.query("ROLLBACK");
  }
}
