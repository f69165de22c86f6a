import { getDatabase, type Database } from "../db/prisma-client.ts";
import { errorResponse } from "../errors/error-response.ts";
import { isInventoryError } from "../errors/inventory-error.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { parseShopId } from "../inventory/inputs.ts";
import { authenticateIntegration } from "./authenticate-integration.ts";
import { listSyncInventory } from "./list-sync-inventory.ts";
import { setInventoryQuantities } from "./set-inventory-quantities.ts";
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey, SYNC_MAX_BODY_BYTES } from "./sync-inputs.ts";

export interface SyncRequestOptions {
  /** The `{shop}` of the path. */
  shopId: string;
  database?: Database;
  now?: Date;
}

const NO_STORE = { "cache-control": "no-store" };

/**
 * `POST /api/v1/shops/{shop}/inventory/set-quantities` (docs/sync-api.md):
 * 401/403 for the token, 400 for the Idempotency-Key header or a body that is
 * not JSON, 422 `validation_failed` with `errors: [{ field, message }]` for a
 * body that is JSON but not a valid request (nothing stored, the key not
 * used), 409 `idempotency_key_reused`, else the request's answer: 200 with
 * each line's outcome, or 409 `conflict` for an atomic request with a refused
 * line. A replay carries `Idempotent-Replayed: true`.
 */
export async function handleSetInventoryQuantitiesRequest(
  request: Request,
  options: SyncRequestOptions,
): Promise<Response> {
  try {
    const database = options.database ?? getDatabase();
    const now = options.now ?? new Date();
    const shopId = parseShopId(options.shopId);
    const integration = await authenticateIntegration({ request, shopId, database, now });
    const idempotencyKey = parseIdempotencyKey(request.headers.get(IDEMPOTENCY_KEY_HEADER));
    const json = await readJsonBody(request, SYNC_MAX_BODY_BYTES);
    let result;
    try {
      result = await setInventoryQuantities({ integration, shopId, idempotencyKey, body: json, database, now });
    } catch (error) {
      // JSON that is not a valid request: 422, so a client tells "fix the body" from a broken request.
      if (isInventoryError(error, "validation_failed")) {
        return Response.json(error.toJSON(), { status: 422, headers: NO_STORE });
      }
      throw error;
    }
    return Response.json(result.body, {
      status: result.status,
      headers: { ...NO_STORE, ...(result.replayed ? { "idempotent-replayed": "true" } : {}) },
    });
  } catch (error) {
    return errorResponse(error, { headers: NO_STORE });
  }
}

/**
 * `GET /api/v1/shops/{shop}/inventory?sku=...&location=...&limit=&cursor=`:
 * quantity, reserved, available and version per variant and location (what a
 * compare-and-set compares with), a page at a time.
 */
export async function handleSyncInventoryRequest(request: Request, options: SyncRequestOptions): Promise<Response> {
  try {
    const database = options.database ?? getDatabase();
    const shopId = parseShopId(options.shopId);
    await authenticateIntegration({ request, shopId, database, ...(options.now ? { now: options.now } : {}) });
    const page = await listSyncInventory({ shopId, query: new URL(request.url).searchParams, database });
    return Response.json(page, { headers: NO_STORE });
  } catch (error) {
    return errorResponse(error, { headers: NO_STORE });
  }
}
