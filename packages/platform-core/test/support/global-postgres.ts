import { startEmbeddedPostgres, type RunningPostgres } from "@acme/testkit";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../src/db/migrations.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of a database on the test server that may create databases. */
    postgresAdminUrl: string;
    /** Name of a migrated database that each test file copies (CREATE DATABASE ... TEMPLATE). */
    postgresTemplate: string;
  }
}

/**
 * Starts one real PostgreSQL for the run (embedded unless DATABASE_URL is set),
 * migrates a template database once, and lets each test file clone it.
 */
export default async function setup(project: TestProject) {
  let server: RunningPostgres | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres({ fast: true });
    adminUrl = server.url();
  }
  const template = `acme_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  await applyMigrations({ databaseUrl: templateUrl.toString() });

  project.provide("postgresAdminUrl", adminUrl);
  project.provide("postgresTemplate", template);

  return async () => {
    if (server) {
      await server.stop();
      return;
    }
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    const leftovers = await cleanup.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
      [template, `acme_test_${process.pid}_%`],
    );
    for (const row of leftovers.rows) await cleanup.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    await cleanup.end();
  };
}
