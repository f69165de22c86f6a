import { z } from "zod";
import { locationCodeSchema } from "@acme/platform-core/universal";

// The stock grid's state as it appears in the URL (page and API share it).
// Kept free of server imports so the client grid can use it too.

export const GRID_SORTS = [
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
export const GRID_FILTERS = ["all", "low", "out", "attention"] as const;
export const GRID_PAGE_SIZE = 100;

export type GridSort = (typeof GRID_SORTS)[number];
export type GridFilter = (typeof GRID_FILTERS)[number];

const whole = (max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, "must be a whole number")
    .transform(Number)
    .refine((value) => value <= max, `must be at most ${max}`);

export const gridQuerySchema = z
  .strictObject({
    q: z
      .string()
      .trim()
      .max(128, "must be at most 128 characters")
      // No SKU contains control characters; a NUL would even be refused by PostgreSQL.
      // eslint-disable-next-line no-control-regex -- matches control characters on purpose, to refuse them
      .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "must not contain control characters")
      .optional(),
    filter: z.enum(GRID_FILTERS, { error: `must be one of ${GRID_FILTERS.join(", ")}` }).default("all"),
    sort: z.enum(GRID_SORTS, { error: `must be one of ${GRID_SORTS.join(", ")}` }).default("sku"),
    dir: z.enum(["asc", "desc"], { error: "must be asc or desc" }).default("asc"),
    offset: whole(1_000_000).default(0),
    limit: whole(500)
      .refine((value) => value >= 1, "must be at least 1")
      .default(GRID_PAGE_SIZE),
  })
  .transform(({ q, filter, sort, dir, offset, limit }) => ({
    ...(q ? { search: q } : {}),
    filter,
    sort,
    direction: dir,
    offset,
    limit,
  }));

/**
 * The grid's location (`?location=`): one location's quantities, edited there; absent, the shop total with a column
 * per location. It chooses what the grid shows, not which variants it lists.
 */
export const gridLocationSchema = locationCodeSchema.optional();

/** A grid URL's query split into the page query the library reads and the location the grid shows. */
export function splitGridQuery(raw: Record<string, string>): {
  location: string | undefined;
  query: Record<string, string>;
} {
  const { location, ...query } = raw;
  return { location, query };
}

export interface GridState {
  /** A location code, or "" for all locations (the shop total). */
  location: string;
  q: string;
  filter: GridFilter;
  sort: GridSort;
  dir: "asc" | "desc";
  offset: number;
}

export const DEFAULT_GRID_STATE: GridState = {
  location: "",
  q: "",
  filter: "all",
  sort: "sku",
  dir: "asc",
  offset: 0,
};

/** The URL query of a grid state, leaving out defaults. */
export function gridSearchParams(state: GridState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.location) params.set("location", state.location);
  if (state.q) params.set("q", state.q);
  if (state.filter !== "all") params.set("filter", state.filter);
  if (state.sort !== "sku") params.set("sort", state.sort);
  if (state.dir !== "asc") params.set("dir", state.dir);
  if (state.offset > 0) params.set("offset", String(state.offset));
  return params;
}
