import { createHash } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createEmptyDatabase } from "../../test/support/test-database.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import {
  applyMigrations,
  defaultMigrationsDir,
  getMigrationStatus,
  migrationChecksum,
  PRISMA_MIGRATION_LOCK_KEY,
  readMigrations,
} from "./migrations.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function emptyDatabase() {
  const db = await createEmptyDatabase();
  cleanups.push(db.drop);
  return db;
}

/** A copy of prisma/migrations that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "acme-migrations-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string | Buffer): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const migrationRows = (url: string) =>
  withClient(url, async (client) => {
    const result = await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, logs, applied_steps_count FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
    );
    return result.rows;
  });

const tableExists = (url: string, table: string) =>
  withClient(url, async (client) => {
    const result = await client.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      `"${table}"`,
    ]);
    return result.rows[0]!.exists;
  });

async function rejection(promise: Promise<unknown>): Promise<InventoryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, "expected the run to be refused").toBeInstanceOf(InventoryError);
  return error as InventoryError;
}

// ---------------------------------------------------------------------------
// Prisma's own schema engine, the Wasm build that @prisma/internals depends on.
// It runs here without the native binary, over the pg driver adapter. Its
// applyMigrations cannot run our files (the adapter splits scripts on every
// ";", also inside comments and function bodies), but everything that only
// reads or writes `_prisma_migrations` works, and that is where the two tools
// must agree: checksums, edited and failed migrations, resolve.

interface PrismaMigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: Array<{ path: string; migrationFile: { path: string; content: { tag: "ok"; value: string } } }>;
}
interface PrismaSchemaEngine {
  markMigrationApplied(input: { migrationName: string; migrationsList: PrismaMigrationList }): Promise<unknown>;
  markMigrationRolledBack(input: { migrationName: string }): Promise<unknown>;
  diagnoseMigrationHistory(input: {
    migrationsList: PrismaMigrationList;
    optInToShadowDatabase: boolean;
    filters: { externalTables: string[]; externalEnums: string[] };
  }): Promise<{
    editedMigrationNames: string[];
    failedMigrationNames: string[];
    hasMigrationsTable: boolean;
    history: unknown;
  }>;
  free(): void;
}
interface SchemaEngineModule {
  SchemaEngine: {
    new: (options: unknown, log: (message: string) => void, adapter: unknown) => Promise<PrismaSchemaEngine>;
  };
}

let schemaEngineModule: Promise<SchemaEngineModule> | undefined;
function loadSchemaEngineModule(): Promise<SchemaEngineModule> {
  schemaEngineModule ??= (async () => {
    const requireFromInternals = createRequire(createRequire(import.meta.url).resolve("@prisma/internals"));
    const bindings = requireFromInternals.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const runtime = (await import(pathToFileURL(bindings).href)) as SchemaEngineModule & {
      __wbg_set_wasm(exports: unknown): void;
    };
    const wasm = new WebAssembly.Module(await readFile(path.join(path.dirname(bindings), "schema_engine_bg.wasm")));
    const instance = new WebAssembly.Instance(wasm, {
      "./schema_engine_bg.js": runtime as unknown as WebAssembly.ModuleImports,
    });
    runtime.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return runtime;
  })();
  return schemaEngineModule;
}

/**
 * Prisma's schema engine connected to `url`, as `prisma migrate` would be with
 * the pg adapter. Like the CLI, it keeps Prisma's advisory lock for as long as
 * its connection lives, so close it before running our migrator again.
 */
async function prismaSchemaEngine(url: string): Promise<PrismaSchemaEngine & { close(): Promise<void> }> {
  const { SchemaEngine } = await loadSchemaEngineModule();
  const { bindMigrationAwareSqlAdapterFactory } = createRequire(
    createRequire(import.meta.url).resolve("@prisma/internals"),
  )("@prisma/driver-adapter-utils") as { bindMigrationAwareSqlAdapterFactory: (factory: unknown) => unknown };
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const schema = await readFile(path.join(defaultMigrationsDir(), "..", "schema.prisma"), "utf8");
  const engine = await SchemaEngine.new(
    { datamodels: [["schema.prisma", schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool)),
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    engine.free();
    await pool.end();
  };
  cleanups.push(close);
  return Object.assign(engine, { close });
}

/** The migrations directory as the Prisma CLI hands it to the engine. */
async function prismaMigrationList(dir: string): Promise<PrismaMigrationList> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const lockfile = await readFile(path.join(dir, "migration_lock.toml"), "utf8").catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: lockfile },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: { tag: "ok" as const, value: await readFile(path.join(dir, name, "migration.sql"), "utf8") },
        },
      })),
    ),
  };
}

const noFilters = { externalTables: [], externalEnums: [] };

// ---------------------------------------------------------------------------

describe("applyMigrations", () => {
  it("creates the schema on an empty database and does nothing the second time", async () => {
    const db = await createEmptyDatabase();
    cleanups.push(db.drop);
    const files = await readMigrations();
    const first = await applyMigrations({ databaseUrl: db.url });
    expect(first.applied).toEqual(files.map((f) => f.name));
    const second = await applyMigrations({ databaseUrl: db.url });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(files.map((f) => f.name));
    expect(await getMigrationStatus({ databaseUrl: db.url })).toMatchObject({ current: true, pending: [] });

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = await client.query(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"`,
    );
    await client.end();
    expect(rows.rows).toHaveLength(files.length);
    expect(rows.rows[0]).toMatchObject({
      migration_name: files[0]!.name,
      checksum: files[0]!.checksum,
      applied_steps_count: 1,
    });
  });

  it("lets runs started at the same time on an empty database all succeed, applying each migration exactly once", async () => {
    const db = await emptyDatabase();
    const names = (await readMigrations()).map((file) => file.name);
    const results = await Promise.all([1, 2, 3].map(() => applyMigrations({ databaseUrl: db.url })));

    const appliers = results.filter((result) => result.applied.length > 0);
    expect(appliers, "exactly one run applies the migrations").toHaveLength(1);
    expect(appliers[0]!.applied).toEqual(names);
    for (const result of results.filter((r) => r !== appliers[0])) {
      expect(result).toEqual({ applied: [], alreadyApplied: names });
    }
    const rows = await migrationRows(db.url);
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    expect(rows.every((row) => row.finished_at !== null && row.applied_steps_count === 1)).toBe(true);
  });

  it("waits while another session (prisma migrate deploy) holds Prisma's advisory lock", async () => {
    const db = await emptyDatabase();
    await withClient(db.url, async (holder) => {
      await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
      let settled = false;
      const run = applyMigrations({ databaseUrl: db.url }).finally(() => {
        settled = true;
      });
      // Wait until the run is blocked on exactly that lock (bigint keys show as classid 0, objid = key, objsubid 1).
      for (let attempt = 0; ; attempt++) {
        const waiting = await holder.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1 AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [PRISMA_MIGRATION_LOCK_KEY],
        );
        if (waiting.rows[0]!.n === 1) break;
        if (attempt > 200) throw new Error("the run never waited for the advisory lock");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(settled).toBe(false);
      expect(await tableExists(db.url, "_prisma_migrations"), "nothing is touched before the lock is granted").toBe(
        false,
      );
      await holder.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
      const result = await run;
      expect(result.applied).toEqual((await readMigrations()).map((file) => file.name));
    });
  });

  it("gives up with unavailable when the lock stays held past the timeout, touching nothing", async () => {
    const db = await emptyDatabase();
    await withClient(db.url, async (holder) => {
      await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATION_LOCK_KEY]);
      const error = await applyMigrations({ databaseUrl: db.url, lockTimeoutMs: 300 }).then(
        () => undefined,
        (caught: unknown) => caught as { code?: string },
      );
      expect(error?.code).toBe("unavailable");
      expect(await tableExists(db.url, "_prisma_migrations")).toBe(false);
    });
  });

  it("refuses to run when an applied migration's file was modified, and applies nothing", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations({ databaseUrl: db.url, migrationsDir: dir });
    const rowsBefore = await migrationRows(db.url);
    const edited = rowsBefore[0]!.migration_name;

    await appendFile(path.join(dir, edited, "migration.sql"), "\n-- edited after it was applied\n");
    await addMigration(dir, "29990101000000_after_the_edit", `CREATE TABLE "AfterTheEdit" ("id" INTEGER NOT NULL);\n`);

    const error = await rejection(applyMigrations({ databaseUrl: db.url, migrationsDir: dir }));
    expect(error.message).toContain(edited);
    expect(error.message).toMatch(/modified/);
    expect(error.code).toBe("conflict");
    expect(error.details).toEqual({ modified: [edited] });

    expect(await migrationRows(db.url)).toEqual(rowsBefore);
    expect(await tableExists(db.url, "AfterTheEdit")).toBe(false);
    expect(await getMigrationStatus({ databaseUrl: db.url, migrationsDir: dir })).toEqual({
      current: false,
      pending: ["29990101000000_after_the_edit"],
      failed: [],
      modified: [edited],
    });
    // Prisma sees the same edit from the same checksums.
    const prisma = await prismaSchemaEngine(db.url);
    const diagnosis = await prisma.diagnoseMigrationHistory({
      migrationsList: await prismaMigrationList(dir),
      optInToShadowDatabase: false,
      filters: noFilters,
    });
    expect(diagnosis.editedMigrationNames).toEqual([edited]);
  });

  it("applies a migration added later on the next run, and only that one", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    const original = (await readMigrations(dir)).map((file) => file.name);
    await applyMigrations({ databaseUrl: db.url, migrationsDir: dir });

    const added = "29990101000000_add_probe";
    const sql = `CREATE TABLE "MigrationProbe" ("id" INTEGER NOT NULL, CONSTRAINT "MigrationProbe_pkey" PRIMARY KEY ("id"));\n`;
    await addMigration(dir, added, sql);
    const logged: string[] = [];
    const result = await applyMigrations({
      databaseUrl: db.url,
      migrationsDir: dir,
      log: (message) => logged.push(message),
    });

    expect(result).toEqual({ applied: [added], alreadyApplied: original });
    expect(logged).toEqual([`applied ${added}`]);
    expect(await tableExists(db.url, "MigrationProbe")).toBe(true);
    const rows = await migrationRows(db.url);
    expect(rows.map((row) => row.migration_name)).toEqual([...original, added]);
    expect(rows.at(-1)).toMatchObject({
      checksum: migrationChecksum(sql),
      applied_steps_count: 1,
      rolled_back_at: null,
    });
    expect(rows.at(-1)!.finished_at).toBeInstanceOf(Date);
    expect(await applyMigrations({ databaseUrl: db.url, migrationsDir: dir })).toEqual({
      applied: [],
      alreadyApplied: [...original, added],
    });
  });

  it("records a failing migration without finished_at, rolls its changes back, and refuses to go on until it is resolved", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    const original = (await readMigrations(dir)).map((file) => file.name);
    await applyMigrations({ databaseUrl: db.url, migrationsDir: dir });

    const broken = "29990101000000_broken";
    await addMigration(
      dir,
      broken,
      `CREATE TABLE "HalfDone" ("id" INTEGER NOT NULL);\nINSERT INTO "NoSuchTable" VALUES (1);\n`,
    );
    const failure = await rejection(applyMigrations({ databaseUrl: db.url, migrationsDir: dir }));
    expect(failure.message).toContain(broken);
    expect(failure.message).toContain(`relation "NoSuchTable" does not exist`);

    const failedRow = (await migrationRows(db.url)).find((row) => row.migration_name === broken)!;
    expect(failedRow).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(failedRow.logs).toContain(`relation "NoSuchTable" does not exist`);
    expect(await tableExists(db.url, "HalfDone"), "the failed migration's statements were rolled back").toBe(false);
    expect(await getMigrationStatus({ databaseUrl: db.url, migrationsDir: dir })).toMatchObject({
      current: false,
      failed: [broken],
    });

    // Fixing the file is not enough, and nothing after it runs either.
    await writeFile(path.join(dir, broken, "migration.sql"), `CREATE TABLE "HalfDone" ("id" INTEGER NOT NULL);\n`);
    await addMigration(dir, "29990101000001_next", `CREATE TABLE "Next" ("id" INTEGER NOT NULL);\n`);
    const refusal = await rejection(applyMigrations({ databaseUrl: db.url, migrationsDir: dir }));
    expect(refusal.message).toContain(broken);
    expect(refusal.message).toMatch(/failed earlier/);
    expect(refusal.details).toEqual({ failed: [broken] });
    expect(await tableExists(db.url, "Next")).toBe(false);

    // Prisma agrees the migration failed, and `prisma migrate resolve --rolled-back` is what releases it.
    const prisma = await prismaSchemaEngine(db.url);
    const diagnosis = await prisma.diagnoseMigrationHistory({
      migrationsList: await prismaMigrationList(dir),
      optInToShadowDatabase: false,
      filters: noFilters,
    });
    expect(diagnosis.failedMigrationNames).toEqual([broken]);
    await prisma.markMigrationRolledBack({ migrationName: broken });
    await prisma.close();

    const resumed = await applyMigrations({ databaseUrl: db.url, migrationsDir: dir });
    expect(resumed).toEqual({ applied: [broken, "29990101000001_next"], alreadyApplied: original });
    expect(await tableExists(db.url, "HalfDone")).toBe(true);
    const rows = (await migrationRows(db.url)).filter((row) => row.migration_name === broken);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ finished_at: null });
    expect(rows[0]!.rolled_back_at).toBeInstanceOf(Date);
    expect(rows[1]).toMatchObject({ rolled_back_at: null, applied_steps_count: 1 });
    expect(await getMigrationStatus({ databaseUrl: db.url, migrationsDir: dir })).toMatchObject({ current: true });
  });

  it("marks a migration finished in the same transaction as its statements, so an unfinished row means nothing of it was kept", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations({ databaseUrl: db.url, migrationsDir: dir });
    // Stands in for a crash between the migration's COMMIT and its bookkeeping:
    // this migration makes recording its own success fail.
    const name = "29990101000000_bookkeeping_fails";
    await addMigration(
      dir,
      name,
      `CREATE TABLE "Kept" ("id" INTEGER NOT NULL);
CREATE FUNCTION refuse_finish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.finished_at IS NOT NULL THEN RAISE EXCEPTION 'cannot record finished_at'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_finish BEFORE UPDATE ON "_prisma_migrations" FOR EACH ROW EXECUTE FUNCTION refuse_finish();
`,
    );
    const error = await rejection(applyMigrations({ databaseUrl: db.url, migrationsDir: dir }));
    expect(error.message).toContain("cannot record finished_at");
    expect((await migrationRows(db.url)).find((row) => row.migration_name === name)).toMatchObject({
      finished_at: null,
    });
    expect(
      await tableExists(db.url, "Kept"),
      "the migration's statements must be rolled back with its bookkeeping",
    ).toBe(false);
  });
});

describe("migration checksums", () => {
  it("are the SHA-256 hex digest of the file's bytes, and that is what gets recorded", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    // Bytes that a text-mode reader could alter: CRLF line ends, non-ASCII text, no final newline.
    await addMigration(
      dir,
      "29990101000000_bytes",
      Buffer.from(`-- café, naïve\r\nCREATE TABLE "Bytes" ("id" INTEGER NOT NULL);\r\nSELECT 'ü';`, "utf8"),
    );
    const files = await readMigrations(dir);
    for (const file of files) {
      const bytes = await readFile(path.join(dir, file.name, "migration.sql"));
      expect(file.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(file.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
    await applyMigrations({ databaseUrl: db.url, migrationsDir: dir });
    const recorded = await migrationRows(db.url);
    expect(recorded.map((row) => [row.migration_name, row.checksum])).toEqual(
      files.map((file) => [file.name, file.checksum]),
    );
  });

  it("are the values Prisma's schema engine computes and accepts", async () => {
    const dir = await copyOfMigrations();
    await addMigration(
      dir,
      "29990101000000_bytes",
      Buffer.from(`-- café\r\nCREATE TABLE "Bytes" ("id" INTEGER NOT NULL);\r\n`, "utf8"),
    );
    const files = await readMigrations(dir);
    const migrationsList = await prismaMigrationList(dir);

    // Prisma records its own checksum (`prisma migrate resolve --applied`) ...
    const markedByPrisma = await emptyDatabase();
    const prisma = await prismaSchemaEngine(markedByPrisma.url);
    for (const file of files) await prisma.markMigrationApplied({ migrationName: file.name, migrationsList });
    await prisma.close();
    const prismaRows = await migrationRows(markedByPrisma.url);
    expect(prismaRows.map((row) => [row.migration_name, row.checksum])).toEqual(
      files.map((file) => [file.name, file.checksum]),
    );
    // ... which our runner accepts as applied and unchanged,
    expect(await getMigrationStatus({ databaseUrl: markedByPrisma.url, migrationsDir: dir })).toEqual({
      current: true,
      pending: [],
      failed: [],
      modified: [],
    });

    // and Prisma finds a database migrated by our runner in order: nothing edited, failed or missing.
    const migratedByUs = await emptyDatabase();
    await applyMigrations({ databaseUrl: migratedByUs.url, migrationsDir: dir });
    const diagnosis = await (
      await prismaSchemaEngine(migratedByUs.url)
    ).diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: noFilters,
    });
    expect(diagnosis).toEqual({
      editedMigrationNames: [],
      failedMigrationNames: [],
      hasMigrationsTable: true,
      history: null,
    });
  });
});
