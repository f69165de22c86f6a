import { z } from "zod";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseShopId, skuSchema } from "../inventory/inputs.ts";
import { locationCodeSchema } from "../locations/location-inputs.ts";
import { namedFieldErrors } from "./sync-inputs.ts";

export const SYNC_INVENTORY_DEFAULT_LIMIT = 100;
export const SYNC_INVENTORY_MAX_LIMIT = 1000;
/** At most this many `sku` filters in one read. */
export const SYNC_INVENTORY_MAX_SKUS = 100;

/** One variant at one location, as a machine reads it before a compare-and-set. */
export interface SyncInventoryLevel {
  sku: string;
  variantKey: string;
  location: string;
  /** On hand at the location: what compareQuantity compares with. */
  quantity: number;
  /** Held there by active checkouts: a quantity below this is refused (below_held). */
  reserved: number;
  available: number;
  /** Units on their way there in transfers. */
  incoming: number;
  /** The item's version (all locations): what compareVersion compares with. */
  version: number;
}

export interface SyncInventoryPage {
  levels: SyncInventoryLevel[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

const cursorSchema = z
  .string()
  .max(2048, "is not a cursor this API gave")
  .transform((value, context) => {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
      if (
        Array.isArray(decoded) &&
        decoded.length === 3 &&
        decoded.every((part) => typeof part === "string" && !part.includes("\u0000"))
      ) {
        return decoded as [string, string, string];
      }
    } catch {
      // fall through; a NUL above would fail as a text parameter in PostgreSQL (500)
    }
    context.addIssue({ code: "custom", message: "is not a cursor this API gave" });
    return z.NEVER;
  });

const querySchema = z.strictObject(
  {
    sku: z
      .array(skuSchema)
      .max(SYNC_INVENTORY_MAX_SKUS, `must be given at most ${SYNC_INVENTORY_MAX_SKUS} times`)
      .optional(),
    location: locationCodeSchema.optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${SYNC_INVENTORY_MAX_LIMIT}`)
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, `must be a whole number from 1 to ${SYNC_INVENTORY_MAX_LIMIT}`)
          .max(SYNC_INVENTORY_MAX_LIMIT, `must be a whole number from 1 to ${SYNC_INVENTORY_MAX_LIMIT}`),
      )
      .optional(),
    cursor: cursorSchema.optional(),
  },
  { error: "must be a query string" },
);

/** The query string as the schema reads it: `sku` may repeat, every other parameter once. */
function queryObject(params: URLSearchParams): { value: Record<string, unknown>; repeated: string[] } {
  const value: Record<string, unknown> = {};
  const repeated: string[] = [];
  for (const name of new Set(params.keys())) {
    const all = params.getAll(name);
    if (name === "sku") value.sku = all;
    else {
      if (all.length > 1) repeated.push(name);
      value[name] = all[0];
    }
  }
  return { value, repeated };
}

/**
 * Every variant of the shop at every location of the shop (quantity 0 where
 * the location has no level), by sku, variant key and location code, a page
 * at a time (keyset: pages stay right while stock changes). `sku` (repeatable)
 * and `location` filter; an unknown location is `not_found`.
 */
export async function listSyncInventory(options: {
  shopId: string;
  query: URLSearchParams;
  database?: Database;
}): Promise<SyncInventoryPage> {
  const shopId = parseShopId(options.shopId);
  const { value, repeated } = queryObject(options.query);
  if (repeated.length > 0) {
    throw InventoryError.validation(
      repeated.map((field) => ({ field: field || "(unnamed)", message: "must be given at most once" })),
    );
  }
  const parsed = querySchema.safeParse(value);
  if (!parsed.success) {
    throw InventoryError.validation(
      namedFieldErrors(parsed.error).map((e) =>
        e.message === "is not a known field" ? { ...e, message: "is not a parameter of this endpoint" } : e,
      ),
    );
  }
  const query = parsed.data;
  const limit = query.limit ?? SYNC_INVENTORY_DEFAULT_LIMIT;
  const database = options.database ?? getDatabase();
  try {
    if (query.location) {
      const { rowCount } = await database.pool.query(
        `SELECT 1 FROM "StockLocation" WHERE "shopId" = $1 AND code = $2`,
        [shopId, query.location],
      );
      if (!rowCount) throw new InventoryError("not_found", `Shop ${shopId} has no location ${query.location}.`);
    }
    const after = query.cursor ?? null;
    const { rows } = await database.pool.query<SyncInventoryLevel>(
      `SELECT i.sku, i."variantKey", l.code AS location,
              coalesce(lv.quantity, 0) AS quantity, coalesce(lv.reserved, 0) AS reserved,
              coalesce(lv.quantity, 0) - coalesce(lv.reserved, 0) AS available,
              coalesce(lv.incoming, 0) AS incoming, i.version
       FROM "InventoryItem" i
       JOIN "StockLocation" l ON l."shopId" = i."shopId"
       LEFT JOIN "InventoryLevel" lv
         ON lv."shopId" = i."shopId" AND lv.sku = i.sku AND lv."variantKey" = i."variantKey" AND lv.location = l.code
       WHERE i."shopId" = $1
         AND ($2::text[] IS NULL OR i.sku = ANY ($2::text[]))
         AND ($3::text IS NULL OR l.code = $3)
         AND ($4::text IS NULL OR (i.sku COLLATE "C", i."variantKey" COLLATE "C", l.code COLLATE "C") > ($4, $5, $6))
       ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C", l.code COLLATE "C"
       LIMIT $7`,
      [
        shopId,
        query.sku ?? null,
        query.location ?? null,
        after?.[0] ?? null,
        after?.[1] ?? null,
        after?.[2] ?? null,
        limit + 1,
      ],
    );
    const levels = rows.slice(0, limit);
    const last = levels.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? Buffer.from(JSON.stringify([last.sku, last.variantKey, last.location])).toString("base64url")
        : null;
    return { levels, nextCursor };
  } catch (error) {
    throw toInventoryError(error);
  }
}
