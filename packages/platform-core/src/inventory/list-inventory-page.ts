import { z } from "zod";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { parseOrThrow, parseShopId, safeTextSchema } from "./inputs.ts";
import type { InventoryStore } from "./inventory-store.ts";
import type { InventoryItem } from "./types.ts";
import { ITEM_COLUMNS, toItem, type ItemRow } from "./item-row.ts";
import { SIZE_SCALE, sizeRank } from "../variants/variant-label.ts";

/** Within a sku, sizes as people order them (S M L XL, not l m s), as `sizeRank` ranks them. */
const SIZE_RANK_SQL = Prisma.sql`CASE WHEN "variantAttributes"->>'size' IS NULL THEN -1
  ELSE coalesce(array_position(${[...SIZE_SCALE]}::text[], lower(btrim("variantAttributes"->>'size'))) - 1, ${SIZE_SCALE.length}) END`;

/** `product`: by the name operators see (product title, or product id until one is set). */
export const INVENTORY_SORT_FIELDS = [
  "sku",
  "product",
  "productId",
  "quantity",
  "reserved",
  "available",
  "lowStockThreshold",
  "purchaseLimit",
  "updatedAt",
] as const;
export type InventorySortField = (typeof INVENTORY_SORT_FIELDS)[number];

/**
 * `out`: nothing available (`available <= 0`). `low`: some available, but at
 * or below the variant's threshold. `attention`: either of the two.
 */
export const INVENTORY_STOCK_FILTERS = ["all", "low", "out", "attention"] as const;
export type InventoryStockFilter = (typeof INVENTORY_STOCK_FILTERS)[number];

export const INVENTORY_PAGE_MAX_LIMIT = 500;

export const inventoryPageQuerySchema = z.strictObject({
  // No stored text contains control characters, and PostgreSQL refuses a NUL in a query parameter (was a 500).
  search: z.string().trim().max(128, "must be at most 128 characters").pipe(safeTextSchema).optional(),
  filter: z.enum(INVENTORY_STOCK_FILTERS).default("all"),
  sort: z.enum(INVENTORY_SORT_FIELDS).default("sku"),
  direction: z.enum(["asc", "desc"]).default("asc"),
  offset: z.number().int("must be a whole number").min(0, "must not be negative").max(1_000_000).default(0),
  limit: z.number().int("must be a whole number").min(1).max(INVENTORY_PAGE_MAX_LIMIT).default(100),
});
export type InventoryPageQuery = z.input<typeof inventoryPageQuerySchema>;

export interface InventoryPage {
  items: InventoryItem[];
  /** Items matching search and filter (all pages). */
  total: number;
  offset: number;
  limit: number;
  /** Items of the shop matching the search, per stock filter (for filter tabs). */
  counts: Record<InventoryStockFilter, number>;
}

export interface ListInventoryPageOptions {
  shopId: string;
  query?: InventoryPageQuery;
  store: InventoryStore;
  /** The database of a `prisma` store (default: the process-wide one). */
  database?: Database;
}

/**
 * One page of a shop's stock grid: searched (sku, product id, titles or
 * variant, case-insensitive substring), filtered by stock state and sorted, with ties
 * broken by sku then variant key so pages never overlap. On PostgreSQL the
 * database does the work (one query for the page, one for the counts), so a
 * shop with tens of thousands of variants answers in milliseconds; the JSON
 * backend (small shops) does the same in memory.
 */
export async function listInventoryPage({
  shopId,
  query = {},
  store,
  database,
}: ListInventoryPageOptions): Promise<InventoryPage> {
  const id = parseShopId(shopId);
  const q = parseOrThrow(inventoryPageQuerySchema, query);
  if (store.backend === "prisma") return listOnPostgres(database ?? getDatabase(), id, q);
  return listInMemory(await store.listItems(id), q);
}

type ParsedQuery = z.output<typeof inventoryPageQuerySchema>;

function matchesSearch(item: InventoryItem, needle: string): boolean {
  return (
    item.sku.toLowerCase().includes(needle) ||
    item.productId.toLowerCase().includes(needle) ||
    item.productTitle.toLowerCase().includes(needle) ||
    item.variantTitle.toLowerCase().includes(needle) ||
    item.variantKey.toLowerCase().includes(needle)
  );
}

function stockState(item: { available: number; lowStockThreshold: number | null }): "out" | "low" | "ok" {
  if (item.available <= 0) return "out";
  if (item.lowStockThreshold !== null && item.available <= item.lowStockThreshold) return "low";
  return "ok";
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listInMemory(all: InventoryItem[], q: ParsedQuery): InventoryPage {
  const needle = q.search?.toLowerCase() ?? "";
  const searched = needle ? all.filter((item) => matchesSearch(item, needle)) : all;
  const counts = { all: searched.length, low: 0, out: 0, attention: 0 };
  for (const item of searched) {
    const state = stockState(item);
    if (state !== "ok") {
      counts[state]++;
      counts.attention++;
    }
  }
  const filtered =
    q.filter === "all"
      ? [...searched]
      : searched.filter((item) =>
          q.filter === "attention" ? stockState(item) !== "ok" : stockState(item) === q.filter,
        );
  const sign = q.direction === "asc" ? 1 : -1;
  const value = (item: InventoryItem): string | number | null =>
    q.sort === "updatedAt"
      ? item.updatedAt.getTime()
      : q.sort === "product"
        ? item.productTitle || item.productId
        : item[q.sort];
  filtered.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va !== vb) {
      // Missing thresholds and limits sort last in either direction, as in PostgreSQL's NULLS LAST.
      if (va === null) return 1;
      if (vb === null) return -1;
      const order = typeof va === "number" && typeof vb === "number" ? va - vb : byCodeUnits(String(va), String(vb));
      if (order !== 0) return sign * order;
    }
    return (
      byCodeUnits(a.sku, b.sku) ||
      sizeRank(a.variantAttributes.size) - sizeRank(b.variantAttributes.size) ||
      byCodeUnits(a.variantKey, b.variantKey)
    );
  });
  return {
    items: filtered.slice(q.offset, q.offset + q.limit),
    total: filtered.length,
    offset: q.offset,
    limit: q.limit,
    counts,
  };
}

const SORT_SQL: Record<InventorySortField, Prisma.Sql> = {
  sku: Prisma.sql`sku COLLATE "C"`,
  product: Prisma.sql`coalesce(nullif("productTitle", ''), "productId") COLLATE "C"`,
  productId: Prisma.sql`"productId" COLLATE "C"`,
  quantity: Prisma.sql`quantity`,
  reserved: Prisma.sql`reserved`,
  available: Prisma.sql`(quantity - reserved)`,
  lowStockThreshold: Prisma.sql`"lowStockThreshold"`,
  purchaseLimit: Prisma.sql`"purchaseLimit"`,
  updatedAt: Prisma.sql`"updatedAt"`,
};

const OUT_SQL = Prisma.sql`(quantity - reserved) <= 0`;
const LOW_SQL = Prisma.sql`((quantity - reserved) > 0 AND "lowStockThreshold" IS NOT NULL AND (quantity - reserved) <= "lowStockThreshold")`;
const FILTER_SQL: Record<InventoryStockFilter, Prisma.Sql> = {
  all: Prisma.sql`TRUE`,
  out: OUT_SQL,
  low: LOW_SQL,
  attention: Prisma.sql`(${OUT_SQL} OR ${LOW_SQL})`,
};

async function listOnPostgres(database: Database, shopId: string, q: ParsedQuery): Promise<InventoryPage> {
  const { prisma } = database;
  // LIKE wildcards in the search are literal characters.
  const pattern = q.search ? `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = Prisma.sql`"shopId" = ${shopId} AND (${pattern}::text IS NULL OR sku ILIKE ${pattern} OR "productId" ILIKE ${pattern}
    OR "productTitle" ILIKE ${pattern} OR "variantTitle" ILIKE ${pattern} OR "variantKey" ILIKE ${pattern})`;
  const direction = q.direction === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  try {
    const [rows, countRows] = await Promise.all([
      prisma.$queryRaw<ItemRow[]>`
        SELECT ${ITEM_COLUMNS}
        FROM "InventoryItem"
        WHERE ${where} AND ${FILTER_SQL[q.filter]}
        ORDER BY ${SORT_SQL[q.sort]} ${direction} NULLS LAST, sku COLLATE "C", ${SIZE_RANK_SQL}, "variantKey" COLLATE "C"
        OFFSET ${q.offset} LIMIT ${q.limit}`,
      prisma.$queryRaw<Array<{ all: number; low: number; out: number }>>`
        SELECT count(*)::int AS all,
          (count(*) FILTER (WHERE ${LOW_SQL}))::int AS low,
          (count(*) FILTER (WHERE ${OUT_SQL}))::int AS out
        FROM "InventoryItem" WHERE ${where}`,
    ]);
    const c = countRows[0] ?? { all: 0, low: 0, out: 0 };
    const counts = { all: c.all, low: c.low, out: c.out, attention: c.low + c.out };
    return {
      items: rows.map(toItem),
      total: counts[q.filter],
      offset: q.offset,
      limit: q.limit,
      counts,
    };
  } catch (error) {
    throw toInventoryError(error);
  }
}
