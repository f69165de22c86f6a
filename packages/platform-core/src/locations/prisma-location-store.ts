import { afterStockWrite } from "../alerts/stock-alerts.ts";
import type { Database } from "../db/prisma-client.ts";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { timeOrderedUuid } from "../ids/time-ordered-uuid.ts";
import type { VariantRef } from "../inventory/types.ts";
import {
  parseCreateLocation,
  parseStrategy,
  parseTransfer,
  parseUpdateLocation,
  parseLocationCode,
  parseRefs,
} from "./location-parsers.ts";
import { DEFAULT_LOCATION, type AllocationStrategy, type LocationKind } from "./location-inputs.ts";
import type {
  LocationDrift,
  LocationStore,
  StockLevel,
  StockLocationView,
  StockTransferView,
  TransferLine,
  TransferStatus,
} from "./types.ts";
import { parseShopId } from "../inventory/inputs.ts";

interface LocationRow {
  shopId: string;
  code: string;
  name: string;
  kind: string;
  active: boolean;
  fulfilsOnline: boolean;
  priority: number;
  createdAt: Date;
  updatedAt: Date;
}

function toLocation(row: LocationRow): StockLocationView {
  return {
    shopId: row.shopId,
    code: row.code,
    name: row.name,
    kind: row.kind as LocationKind,
    active: row.active,
    fulfilsOnline: row.fulfilsOnline,
    priority: row.priority,
    isDefault: row.code === DEFAULT_LOCATION,
    online: row.active && row.fulfilsOnline,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

interface TransferRow {
  id: string;
  shopId: string;
  fromLocation: string;
  toLocation: string;
  status: string;
  lines: TransferLine[];
  actor: string;
  note: string | null;
  createdAt: Date;
  receivedAt: Date | null;
  receivedBy: string | null;
}

function toTransfer(row: TransferRow): StockTransferView {
  return {
    id: row.id,
    shopId: row.shopId,
    from: row.fromLocation,
    to: row.toLocation,
    status: row.status as TransferStatus,
    lines: row.lines,
    actor: row.actor,
    note: row.note,
    createdAt: new Date(row.createdAt),
    receivedAt: row.receivedAt ? new Date(row.receivedAt) : null,
    receivedBy: row.receivedBy,
  };
}

/** The main location of a shop that has not written stock yet (it exists once the shop does). */
function implicitMain(shopId: string): StockLocationView {
  const epoch = new Date(0);
  return toLocation({
    shopId,
    code: DEFAULT_LOCATION,
    name: "Main warehouse",
    kind: "warehouse",
    active: true,
    fulfilsOnline: true,
    priority: 100,
    createdAt: epoch,
    updatedAt: epoch,
  });
}

export function createPrismaLocationStore(database: Database): LocationStore {
  const { pool } = database;

  async function run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toInventoryError(error);
    }
  }

  async function getLocation(shopId: string, code: string): Promise<StockLocationView | null> {
    const { rows } = await pool.query<LocationRow>(`SELECT * FROM "StockLocation" WHERE "shopId" = $1 AND code = $2`, [
      shopId,
      code,
    ]);
    return rows[0] ? toLocation(rows[0]) : null;
  }

  async function getTransfer(shopId: string, id: string): Promise<StockTransferView | null> {
    const { rows } = await pool.query<TransferRow>(`SELECT * FROM "StockTransfer" WHERE "shopId" = $1 AND id = $2`, [
      shopId,
      id,
    ]);
    return rows[0] ? toTransfer(rows[0]) : null;
  }

  return {
    listLocations: (shopId) =>
      run(async () => {
        const id = parseShopId(shopId);
        const { rows } = await pool.query<LocationRow>(
          `SELECT * FROM "StockLocation" WHERE "shopId" = $1 ORDER BY priority, code COLLATE "C"`,
          [id],
        );
        return rows.length === 0 ? [implicitMain(id)] : rows.map(toLocation);
      }),

    createLocation: (input) =>
      run(async () => {
        const location = parseCreateLocation(input);
        // The main location comes first, so a shop never has locations without its default.
        const { rows } = await pool.query<LocationRow>(
          `WITH main AS (
             INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES ($1, 'main', 'Main warehouse', now())
             ON CONFLICT DO NOTHING
           )
           INSERT INTO "StockLocation" ("shopId", code, name, kind, active, "fulfilsOnline", priority, "updatedAt")
           VALUES ($1, $2, $3, $4, $5, $6, $7, now())
           ON CONFLICT DO NOTHING RETURNING *`,
          [
            location.shopId,
            location.code,
            location.name,
            location.kind,
            location.active,
            location.fulfilsOnline,
            location.priority,
          ],
        );
        if (!rows[0]) {
          throw new InventoryError(
            "conflict",
            `Shop ${location.shopId} already has a location coded ${location.code}.`,
            {
              details: { errors: [{ field: "code", message: "is taken by another location of this shop" }] },
            },
          );
        }
        return toLocation(rows[0]);
      }),

    updateLocation: (input) =>
      run(async () => {
        const change = parseUpdateLocation(input);
        // One statement, so one transaction; what it writes before a refusal (expiring lapsed holds) may stand.
        const answer = await pool.query<{ result: { outcome: string; held?: number } }>(
          `SELECT inventory_update_location($1, $2, $3, $4, $5, $6, $7, now()) AS result`,
          [
            change.shopId,
            change.code,
            change.name ?? null,
            change.kind ?? null,
            change.active ?? null,
            change.fulfilsOnline ?? null,
            change.priority ?? null,
          ],
        );
        const result = answer.rows[0]!.result;
        if (result.outcome === "not_found") {
          throw new InventoryError("not_found", `Shop ${change.shopId} has no location coded ${change.code}.`);
        }
        if (result.outcome === "held") {
          throw new InventoryError(
            "conflict",
            `${change.code} holds ${result.held} units for active checkouts; it can stop selling online once they settle.`,
            { details: { held: result.held, errors: [{ field: "active", message: "units are held here" }] } },
          );
        }
        afterStockWrite(database, true);
        return (await getLocation(change.shopId, change.code))!;
      }),

    getAllocationStrategy: (shopId) =>
      run(async () => {
        const { rows } = await pool.query<{ strategy: AllocationStrategy }>(
          `SELECT strategy FROM "ShopAllocationPolicy" WHERE "shopId" = $1`,
          [parseShopId(shopId)],
        );
        return rows[0]?.strategy ?? "fewest_locations";
      }),

    setAllocationStrategy: ({ shopId, strategy, actor }) =>
      run(async () => {
        const id = parseShopId(shopId);
        const value = parseStrategy(strategy);
        await pool.query(
          `INSERT INTO "ShopAllocationPolicy" ("shopId", strategy, "updatedBy", "updatedAt") VALUES ($1, $2, $3, now())
           ON CONFLICT ("shopId") DO UPDATE SET strategy = EXCLUDED.strategy, "updatedBy" = EXCLUDED."updatedBy",
             "updatedAt" = EXCLUDED."updatedAt"`,
          [id, value, actor],
        );
        return value;
      }),

    listLevels: (shopId, options = {}) =>
      run(async () => {
        const id = parseShopId(shopId);
        const location = options.location === undefined ? null : parseLocationCode(options.location, "location");
        const refs: VariantRef[] | null = options.refs === undefined ? null : parseRefs(options.refs);
        const { rows } = await pool.query<Omit<StockLevel, "available">>(
          `SELECT "shopId", sku, "variantKey", location, quantity, reserved, incoming, "updatedAt" FROM "InventoryLevel"
           WHERE "shopId" = $1 AND ($2::text IS NULL OR location = $2)
             AND ($3::text[] IS NULL OR (sku, "variantKey") IN (SELECT * FROM unnest($3::text[], $4::text[])))
           ORDER BY sku COLLATE "C", "variantKey" COLLATE "C", location COLLATE "C"`,
          [id, location, refs?.map((r) => r.sku) ?? null, refs?.map((r) => r.variantKey) ?? null],
        );
        return rows.map((row) => ({
          ...row,
          available: row.quantity - row.reserved,
          updatedAt: new Date(row.updatedAt),
        }));
      }),

    createTransfer: (input) =>
      run(async () => {
        const transfer = parseTransfer(input);
        const transferId = transfer.transferId ?? `tr_${timeOrderedUuid()}`;
        type TransferAnswer = {
          outcome: string;
          sameRequest?: boolean;
          field?: string;
          location?: string;
          insufficient?: Array<{
            index: number;
            sku: string;
            variantKey: string;
            requested: number;
            available: number;
            held: number;
          }>;
        };
        // One statement, so one transaction; what it writes before a refusal (expiring lapsed holds) may stand.
        const answer = await pool.query<{ result: TransferAnswer }>(
          `SELECT inventory_transfer($1, $2, $3, $4, $5::jsonb, $6, $7, $8, now()) AS result`,
          [
            transfer.shopId,
            transferId,
            transfer.from,
            transfer.to,
            JSON.stringify(transfer.lines),
            transfer.inTransit,
            transfer.actor,
            transfer.note ?? null,
          ],
        );
        const result = answer.rows[0]!.result;
        if (result.outcome === "not_found") {
          throw InventoryError.validation([
            { field: result.field!, message: `is not a location of shop ${transfer.shopId} (${result.location})` },
          ]);
        }
        if (result.outcome === "insufficient") {
          const errors: FieldError[] = result.insufficient!.map((line) => ({
            field: `lines.${line.index}.quantity`,
            message:
              `${line.requested} asked, ${line.available} free at ${transfer.from}` +
              (line.held > 0 ? ` (${line.held} held by active checkouts)` : ""),
          }));
          throw new InventoryError("conflict", `${transfer.from} does not have the units free to send.`, {
            details: { errors, insufficient: result.insufficient },
          });
        }
        if (result.outcome === "existing" && result.sameRequest === false) {
          throw new InventoryError("conflict", `Transfer ${transferId} exists with other locations or lines.`, {
            details: { errors: [{ field: "transferId", message: "is used by another transfer" }] },
          });
        }
        if (result.outcome === "created") afterStockWrite(database, true);
        return (await getTransfer(transfer.shopId, transferId))!;
      }),

    receiveTransfer: ({ shopId, transferId, actor }) =>
      run(async () => {
        const id = parseShopId(shopId);
        // One statement, so one transaction; what it writes before a refusal (expiring lapsed holds) may stand.
        const answer = await pool.query<{ result: { outcome: string } }>(
          `SELECT inventory_receive_transfer($1, $2, $3, now()) AS result`,
          [id, String(transferId), actor],
        );
        const outcome: string = answer.rows[0]!.result.outcome;
        if (outcome === "not_found") throw new InventoryError("not_found", `Shop ${id} has no transfer ${transferId}.`);
        if (outcome === "received") afterStockWrite(database, true);
        return (await getTransfer(id, String(transferId)))!;
      }),

    listTransfers: (shopId, options = {}) =>
      run(async () => {
        const id = parseShopId(shopId);
        const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000);
        const { rows } = await pool.query<TransferRow>(
          `SELECT * FROM "StockTransfer" WHERE "shopId" = $1 AND ($2::text IS NULL OR status = $2)
           ORDER BY "createdAt" DESC, id DESC LIMIT $3`,
          [id, options.status ?? null, limit],
        );
        return rows.map(toTransfer);
      }),

    reconcile: (options = {}) =>
      run(async () => {
        const shopId = options.shopId === undefined ? null : parseShopId(options.shopId);
        // One statement, one snapshot: a hold or a write in flight never shows as drift.
        const { rows } = await pool.query<{ checked: number; drift: LocationDrift[] }>(
          `WITH levels AS (
             SELECT lv.* FROM "InventoryLevel" lv WHERE $1::text IS NULL OR lv."shopId" = $1
           ), held AS (
             SELECT hi."shopId", hi.sku, hi."variantKey", hi.location, sum(hi.quantity)::int AS units
             FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId"
             WHERE h.status = 'active' AND ($1::text IS NULL OR hi."shopId" = $1) GROUP BY 1, 2, 3, 4
           ), booked AS (
             SELECT "shopId", sku, "variantKey", location, sum(delta)::int AS units FROM "StockLedgerEntry"
             WHERE $1::text IS NULL OR "shopId" = $1 GROUP BY 1, 2, 3, 4
           ), totals AS (
             SELECT lv."shopId", lv.sku, lv."variantKey",
                    sum(lv.quantity) FILTER (WHERE l.active AND l."fulfilsOnline")::int AS online, sum(lv.reserved)::int AS reserved
             FROM levels lv JOIN "StockLocation" l ON l."shopId" = lv."shopId" AND l.code = lv.location GROUP BY 1, 2, 3
           ), drift AS (
             SELECT lv."shopId", lv.sku, lv."variantKey", lv.location, 'reserved' AS field, lv.reserved AS actual,
                    coalesce(held.units, 0) AS expected
             FROM levels lv LEFT JOIN held USING ("shopId", sku, "variantKey", location)
             WHERE lv.reserved <> coalesce(held.units, 0)
             UNION ALL
             SELECT held."shopId", held.sku, held."variantKey", held.location, 'reserved', 0, held.units
             FROM held WHERE NOT EXISTS (SELECT 1 FROM levels lv WHERE lv."shopId" = held."shopId" AND lv.sku = held.sku
               AND lv."variantKey" = held."variantKey" AND lv.location = held.location)
             UNION ALL
             SELECT lv."shopId", lv.sku, lv."variantKey", lv.location, 'quantity', lv.quantity, coalesce(booked.units, 0)
             FROM levels lv LEFT JOIN booked USING ("shopId", sku, "variantKey", location)
             WHERE lv.quantity <> coalesce(booked.units, 0)
             UNION ALL
             SELECT i."shopId", i.sku, i."variantKey", NULL, 'quantity', i.quantity, coalesce(t.online, 0)
             FROM "InventoryItem" i LEFT JOIN totals t USING ("shopId", sku, "variantKey")
             WHERE ($1::text IS NULL OR i."shopId" = $1) AND i.quantity <> coalesce(t.online, 0)
             UNION ALL
             SELECT i."shopId", i.sku, i."variantKey", NULL, 'reserved', i.reserved, coalesce(t.reserved, 0)
             FROM "InventoryItem" i LEFT JOIN totals t USING ("shopId", sku, "variantKey")
             WHERE ($1::text IS NULL OR i."shopId" = $1) AND i.reserved <> coalesce(t.reserved, 0)
           )
           SELECT (SELECT count(*) FROM levels)::int AS checked,
                  coalesce(jsonb_agg(d ORDER BY d."shopId" COLLATE "C", d.sku COLLATE "C", d."variantKey" COLLATE "C",
                    d.location COLLATE "C", d.field), '[]'::jsonb) AS drift
           FROM drift d`,
          [shopId],
        );
        return { checked: rows[0]!.checked, drift: rows[0]!.drift };
      }),
  };
}
