import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { secretsEqual } from "../http/bearer-auth.ts";
import { INTEGRATION_COLUMNS, toIntegration, type IntegrationRow } from "./integration-records.ts";
import { hashIntegrationToken, TOKEN_PATTERN } from "./integration-token.ts";
import type { Integration } from "./types.ts";

/** `lastUsedAt` is written at most this often per integration: a busy ERP costs no write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const UNAUTHORIZED = "Missing, unknown or revoked integration token (Authorization: Bearer acme_int_...).";

/**
 * The integration behind `Authorization: Bearer acme_int_...`: 401
 * `unauthorized` when the header is missing, malformed, unknown or revoked
 * (one answer for all, so a caller learns nothing about which), 403
 * `forbidden` when `shopId` is outside its shops. The token is looked up by
 * its SHA-256 (the only form stored), so no token is ever compared byte by
 * byte; the stored hash is then compared in constant time. `lastUsedAt` is
 * brought forward at most once a minute.
 */
export async function authenticateIntegration(options: {
  request: Request;
  shopId: string;
  database?: Database;
  now?: Date;
}): Promise<Integration> {
  const header = options.request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const token = match?.[1] ?? "";
  if (!TOKEN_PATTERN.test(token)) throw new InventoryError("unauthorized", UNAUTHORIZED);
  const hash = hashIntegrationToken(token);
  const database = options.database ?? getDatabase();
  const now = options.now ?? new Date();
  let row: (IntegrationRow & { tokenHash: string }) | undefined;
  try {
    const { rows } = await database.pool.query<IntegrationRow & { tokenHash: string }>(
      `SELECT ${INTEGRATION_COLUMNS}, "tokenHash" FROM "Integration" WHERE "tokenHash" = $1`,
      [hash],
    );
    row = rows[0];
  } catch (error) {
    throw toInventoryError(error);
  }
  if (!row || !secretsEqual(hash, row.tokenHash) || !row.active || row.revokedAt !== null) {
    throw new InventoryError("unauthorized", UNAUTHORIZED);
  }
  const integration = toIntegration(row);
  if (!integration.shops.includes(options.shopId)) {
    throw new InventoryError("forbidden", `This integration may not act on shop ${options.shopId}.`, {
      details: { shop: options.shopId },
    });
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    try {
      // Conditional, so concurrent requests in the same minute write once between them.
      await database.pool.query(
        `UPDATE "Integration" SET "lastUsedAt" = $2
         WHERE id = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" <= $2::timestamptz - interval '1 minute')`,
        [row.id, now],
      );
    } catch (error) {
      throw toInventoryError(error);
    }
    integration.lastUsedAt = now;
  }
  return integration;
}
