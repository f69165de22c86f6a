import { afterStockWrite } from "../alerts/stock-alerts.ts";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseShopId } from "../inventory/inputs.ts";
import { parseSyncRequestBody, syncRequestFingerprint } from "./sync-inputs.ts";
import type { Integration } from "./types.ts";

/** Why a line was refused. */
export const SYNC_LINE_ERRORS = {
  /** compareQuantity or compareVersion differs from what is there now (`quantity`, `version`: the current values). */
  compare_failed: "compare_failed",
  /** The quantity is below the units held by active checkouts at the location (`held`). */
  below_held: "below_held",
  /** The shop has no such variant (the sync API never creates one). */
  not_found: "not_found",
  /** The shop has no such location. */
  unknown_location: "unknown_location",
  /** Atomic requests only: this line was fine, another was refused, so nothing was applied. */
  not_applied: "not_applied",
} as const;
export type SyncLineErrorCode = keyof typeof SYNC_LINE_ERRORS;

export interface SyncLineResult {
  index: number;
  outcome: "applied" | "unchanged" | "refused";
  sku: string;
  variantKey: string;
  location: string;
  /** The quantity asked for. */
  quantity: number;
  /** The location's quantity before this request (null for an unknown variant or location). */
  previousQuantity: number | null;
  /** The item's version after this request (before it, for a refused line). */
  version: number | null;
  /** The ledger entry this line wrote (ids are 64-bit, so text). */
  ledgerEntryId?: string;
  error?: { code: SyncLineErrorCode; message: string; quantity?: number; version?: number; held?: number };
}

/** The answer's body: 200 (per line), or 409 `conflict` for an atomic request with a refused line. */
export interface SetInventoryQuantitiesBody {
  code?: "conflict";
  message?: string;
  applied: number;
  refused: number;
  unchanged: number;
  lines: SyncLineResult[];
}

export interface SetInventoryQuantitiesResult {
  status: 200 | 409;
  body: SetInventoryQuantitiesBody;
  /** True when this is the stored answer of an earlier request with the same key and body. */
  replayed: boolean;
}

export interface SetInventoryQuantitiesOptions {
  integration: Pick<Integration, "id">;
  shopId: string;
  /** Parsed already (parseIdempotencyKey). */
  idempotencyKey: string;
  /** The request body as it came (JSON); validated here. */
  body: unknown;
  database?: Database;
  now?: Date;
}

interface SyncSetAnswer {
  replayed?: boolean;
  reused?: boolean;
  status?: number;
  response?: SetInventoryQuantitiesBody;
  applied?: number;
}

/**
 * Sets quantities at locations for an integration (Shopify's
 * inventorySetQuantities): validation first (`validation_failed`, nothing
 * stored, the key not consumed), then the whole request in one call of
 * `inventory_sync_set`, one statement and so one transaction that holds no
 * lock between round trips (safe behind a transaction-mode pooler). See that
 * function and docs/sync-api.md for what each line is told. The same key with
 * another body is `idempotency_key_reused` (409) and changes nothing.
 */
export async function setInventoryQuantities(
  options: SetInventoryQuantitiesOptions,
): Promise<SetInventoryQuantitiesResult> {
  const shopId = parseShopId(options.shopId);
  const body = parseSyncRequestBody(options.body);
  const database = options.database ?? getDatabase();
  const now = options.now ?? new Date();
  let answer: SyncSetAnswer;
  try {
    const { rows } = await database.pool.query<{ result: SyncSetAnswer }>(
      `SELECT inventory_sync_set($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9) AS result`,
      [
        shopId,
        options.integration.id,
        options.idempotencyKey,
        syncRequestFingerprint(shopId, body),
        JSON.stringify(body.lines),
        body.atomic,
        body.reason,
        body.reference ?? null,
        now,
      ],
    );
    answer = rows[0]!.result;
  } catch (error) {
    throw toInventoryError(error);
  }
  if (answer.reused) {
    throw new InventoryError(
      "idempotency_key_reused",
      "This Idempotency-Key was used for a different request in the last 24 hours; nothing changed. Send a new key.",
    );
  }
  const status = answer.status === 409 ? 409 : 200;
  // Quantities changed: look for low-stock crossings in the background, as operator writes do.
  if (!answer.replayed && (answer.applied ?? 0) > 0) afterStockWrite(database, true);
  return { status, body: answer.response!, replayed: answer.replayed === true };
}
