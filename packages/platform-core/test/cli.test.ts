import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { readMigrations } from "../src/db/migrations.ts";
import { createEmptyDatabase } from "./support/test-database.ts";

// The operator commands, run as operators run them: separate processes reading DATABASE_URL.

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function cli(script: string, databaseUrl: string, args: string[] = []) {
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: packageDir,
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

describe("operator commands", () => {
  it("db:migrate creates the schema on an empty database, then does nothing; db:reconcile finds and repairs drift", async () => {
    const db = await createEmptyDatabase();
    cleanups.push(db.drop);

    const first = await cli("src/db/migrate-cli.ts", db.url);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied 20261124000000_init/);
    const count = (await readMigrations()).length;
    expect(first.stdout).toContain(`Applied ${count} migration(s).`);
    const second = await cli("src/db/migrate-cli.ts", db.url);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain(`Database is up to date (${count} migrations applied earlier).`);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `INSERT INTO "InventoryItem" ("shopId", sku, "productId", quantity, reserved, "updatedAt") VALUES ('s1', 'A', 'a', 5, 2, now())`,
    );
    await client.query(
      `INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor) VALUES ('s1', 'A', '', 5, 5, 'import', 'test')`,
    );
    const drifted = await cli("src/holds/reconcile-cli.ts", db.url);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toMatch(/s1 A: reserved 2, active holds 0/);
    const repaired = await cli("src/holds/reconcile-cli.ts", db.url, ["--repair"]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/Repaired 1 variant/);
    expect((await client.query(`SELECT reserved FROM "InventoryItem"`)).rows[0]).toEqual({ reserved: 0 });
    const clean = await cli("src/holds/reconcile-cli.ts", db.url);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/No drift/);
    expect(clean.stdout).toMatch(/Every location's books balance/);
    // A location whose quantity the ledger does not explain is reported, and only a person can repair it.
    await client.query(`UPDATE "InventoryLevel" SET quantity = 6 WHERE "shopId" = 's1' AND sku = 'A'`);
    const unbalanced = await cli("src/holds/reconcile-cli.ts", db.url);
    expect(unbalanced.code).toBe(1);
    expect(unbalanced.stdout).toMatch(/s1 A at main: quantity 6, expected 5/);
    await client.end();
  }, 60_000);
});
