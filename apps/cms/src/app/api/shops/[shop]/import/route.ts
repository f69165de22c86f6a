import {
  importStock,
  type ImportStockResult,
  InventoryError,
  operatorMay,
  parseOrThrow,
  readBytes,
} from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { queryOf } from "../_lib/http";

export const dynamic = "force-dynamic";

/** Largest stock file the CMS accepts (the library's own limit is higher). */
const IMPORT_MAX_BYTES = 5 * 1024 * 1024;

const importQuerySchema = z.strictObject({
  format: z.enum(["csv", "json"], { error: "must be csv or json" }),
  /** `preview`: report what would change, write nothing. `apply`: write all rows or none. */
  mode: z.enum(["preview", "apply"], { error: "must be preview or apply" }),
});

/**
 * Imports a stock file sent as the raw request body (`?format=csv|json`), a
 * row per variant and location (`location`; main when the column is absent).
 * Every problem is listed by line and field (400 `validation_failed`); a row
 * that would go below held units is a 409 `conflict`; over 5 MB is a 413.
 * In all those cases nothing changes. Preview is open to viewers too, so they
 * can check a file; applying needs an editor.
 */
export const POST = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId, operator }) => {
  const query = parseOrThrow(importQuerySchema, queryOf(request));
  if (query.mode === "apply" && !operatorMay(operator, "edit", shopId))
    throw new InventoryError("forbidden", "Viewers cannot change stock.");
  const content = await readBytes(request, IMPORT_MAX_BYTES);
  const { inventory, locations } = getStores();
  const result = await importStock({
    store: inventory,
    locations,
    shopId,
    content,
    format: query.format,
    actor: operator.email,
    dryRun: query.mode === "preview",
  });
  return Response.json(listed(result));
});

/** Rows listed in an answer: a 100,000-row file would otherwise answer with ~30 MB of JSON. */
const LISTED_ROWS = 2000;

/**
 * The counts always cover the whole file. Rows that change come first (in
 * file order), then unchanged ones, up to `LISTED_ROWS`; `listed` and `rows`
 * tell the UI whether the list is complete.
 */
function listed(result: ImportStockResult) {
  const changing = result.changes.filter((change) => change.action !== "unchanged");
  const unchanged = result.changes.filter((change) => change.action === "unchanged");
  const changes = [...changing, ...unchanged].slice(0, LISTED_ROWS);
  return { ...result, changes, listed: changes.length, rows: result.changes.length };
}
