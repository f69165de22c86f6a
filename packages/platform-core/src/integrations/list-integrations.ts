import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { INTEGRATION_COLUMNS, toIntegration, type IntegrationRow } from "./integration-records.ts";
import type { Integration } from "./types.ts";

/** Every integration, newest first, revoked ones included (they stay for the ledger's actors). */
export async function listIntegrations(options: { database?: Database } = {}): Promise<Integration[]> {
  const database = options.database ?? getDatabase();
  try {
    const { rows } = await database.pool.query<IntegrationRow>(
      `SELECT ${INTEGRATION_COLUMNS} FROM "Integration" ORDER BY "createdAt" DESC, id DESC`,
    );
    return rows.map(toIntegration);
  } catch (error) {
    throw toInventoryError(error);
  }
}
