import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { timeOrderedUuid } from "../ids/time-ordered-uuid.ts";
import { parseOrThrow } from "../inventory/inputs.ts";
import { createIntegrationSchema } from "./integration-inputs.ts";
import { INTEGRATION_COLUMNS, toIntegration, type IntegrationRow } from "./integration-records.ts";
import { generateIntegrationToken, hashIntegrationToken, tokenPrefixOf } from "./integration-token.ts";
import type { CreatedIntegration } from "./types.ts";

export interface CreateIntegrationOptions {
  name: unknown;
  /** The shops its token may write; every other shop answers 403. */
  shops: unknown;
  /** Who created it (the operator's email). */
  actor: unknown;
  database?: Database;
  now?: Date;
}

/**
 * Creates an integration and its bearer token. The token is in the answer
 * only: the database keeps its SHA-256 and its first characters. Invalid
 * input is `validation_failed` naming the field (`name`, `shops`, `shops.2`).
 */
export async function createIntegration(options: CreateIntegrationOptions): Promise<CreatedIntegration> {
  const input = parseOrThrow(createIntegrationSchema, {
    name: options.name,
    shops: options.shops,
    actor: options.actor,
  });
  const database = options.database ?? getDatabase();
  const now = options.now ?? new Date();
  const token = generateIntegrationToken();
  try {
    const { rows } = await database.pool.query<IntegrationRow>(
      `INSERT INTO "Integration" (id, name, "tokenHash", "tokenPrefix", shops, active, "createdBy", "createdAt")
       VALUES ($1, $2, $3, $4, $5::text[], true, $6, $7)
       RETURNING ${INTEGRATION_COLUMNS}`,
      [
        timeOrderedUuid(now.getTime()),
        input.name,
        hashIntegrationToken(token),
        tokenPrefixOf(token),
        [...input.shops].sort(),
        input.actor,
        now,
      ],
    );
    return { integration: toIntegration(rows[0]!), token };
  } catch (error) {
    throw toInventoryError(error);
  }
}
