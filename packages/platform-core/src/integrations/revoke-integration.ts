import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseOrThrow } from "../inventory/inputs.ts";
import { integrationIdSchema } from "./integration-inputs.ts";
import { INTEGRATION_COLUMNS, toIntegration, type IntegrationRow } from "./integration-records.ts";
import type { Integration } from "./types.ts";

/**
 * Revokes an integration: its token answers 401 from the next request on.
 * Revoking a revoked one changes nothing (its first revocation time stays).
 * 404 `not_found` for an id that does not exist.
 */
export async function revokeIntegration(options: {
  id: unknown;
  database?: Database;
  now?: Date;
}): Promise<Integration> {
  const id = parseOrThrow(integrationIdSchema, options.id, "id");
  const database = options.database ?? getDatabase();
  const now = options.now ?? new Date();
  let rows: IntegrationRow[];
  try {
    ({ rows } = await database.pool.query<IntegrationRow>(
      `UPDATE "Integration" SET active = false, "revokedAt" = coalesce("revokedAt", $2)
       WHERE id = $1 RETURNING ${INTEGRATION_COLUMNS}`,
      [id, now],
    ));
  } catch (error) {
    throw toInventoryError(error);
  }
  if (!rows[0]) throw new InventoryError("not_found", `No integration ${id}.`);
  return toIntegration(rows[0]);
}
