import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createEmptyDatabase } from "../../test/support/test-database.ts";
import { applyMigrations, getMigrationStatus, readMigrations } from "./migrations.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

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
    const rows = await client.query(`SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"`);
    await client.end();
    expect(rows.rows).toHaveLength(files.length);
    expect(rows.rows[0]).toMatchObject({ migration_name: files[0]!.name, checksum: files[0]!.checksum, applied_steps_count: 1 });
  });
});
