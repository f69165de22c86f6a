import {
  InventoryError,
  listInventoryPage,
  locationCodeSchema,
  MAX_QUANTITY,
  parseOrThrow,
  purchaseLimitSchema,
  readJsonBody,
  titleSchema,
} from "@acme/platform-core";
import { z } from "zod";
import { EDIT_REASONS, NOTE_MAX_LENGTH } from "@/components/edit-reasons";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { queryOf } from "../_lib/http";
import { gridLocationSchema, gridQuerySchema, splitGridQuery } from "@/components/grid-query";
import { withLevels } from "@/app/cms/_lib/grid-levels";

export const dynamic = "force-dynamic";

/** An edit is a few fields; anything larger is refused unread (413). */
const EDIT_MAX_BYTES = 16 * 1024;

/**
 * One page of the stock grid (search, stock filter, sort, paging), each variant with its stock per location
 * (`levels`); quantity, reserved and available are the shop total over its online locations. `location` is the
 * grid's view and does not change the list. Viewers may read.
 */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId }) => {
  const { location, query: raw } = splitGridQuery(queryOf(request));
  parseOrThrow(gridLocationSchema, location, "location");
  const query = parseOrThrow(gridQuerySchema, raw);
  const { inventory } = getStores();
  const page = await listInventoryPage({ shopId, query, store: inventory });
  return Response.json(
    { ...page, items: await withLevels(shopId, page.items) },
    { headers: { "cache-control": "no-store" } },
  );
});

const quantity = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(0, "must not be negative")
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

const editSchema = z
  .strictObject({
    sku: z.string({ error: "is required" }).min(1, "is required").max(128),
    variantKey: z.string({ error: "is required" }).max(2048),
    /** The version the operator saw; a different current version is a conflict (409 with the current values). */
    expectedVersion: z.number({ error: "is required" }).int().min(0),
    quantity: quantity.optional(),
    /** Where `quantity` is: a location code; main when left out. */
    location: locationCodeSchema.optional(),
    lowStockThreshold: quantity.nullable().optional(),
    /** Most units per checkout and per buyer; null removes the limit. */
    purchaseLimit: purchaseLimitSchema.nullable().optional(),
    /** "" clears a title (the CMS then shows the product id or the variant's attributes). */
    productTitle: titleSchema.optional(),
    variantTitle: titleSchema.optional(),
    reason: z.enum(EDIT_REASONS, { error: `must be one of ${EDIT_REASONS.join(", ")}` }).optional(),
    note: z.string().trim().max(NOTE_MAX_LENGTH, `must be at most ${NOTE_MAX_LENGTH} characters`).optional(),
  })
  .superRefine((value, context) => {
    if (
      [value.quantity, value.lowStockThreshold, value.purchaseLimit, value.productTitle, value.variantTitle].every(
        (field) => field === undefined,
      )
    ) {
      context.addIssue({
        code: "custom",
        path: ["quantity"],
        message: "give quantity, lowStockThreshold, purchaseLimit, productTitle or variantTitle",
      });
    }
    if (value.quantity !== undefined && value.reason === undefined) {
      context.addIssue({ code: "custom", path: ["reason"], message: "is required when quantity changes" });
    }
    if (value.location !== undefined && value.quantity === undefined) {
      context.addIssue({ code: "custom", path: ["location"], message: "names where quantity is; give quantity too" });
    }
  });

/**
 * Edits one variant: quantity at a location (absolute, main unless `location` names another; written to the ledger
 * with the operator's reason and note), low-stock threshold, purchase limit and titles. The request names the
 * version the operator saw; if someone changed the variant since (at any location), the answer is 409 `conflict`
 * with `current` and `levels` (the values now), and nothing changes. The answer is the item with its `levels`.
 */
export const PATCH = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const edit = parseOrThrow(editSchema, await readJsonBody(request, EDIT_MAX_BYTES));
  const { inventory } = getStores();
  const ref = { sku: edit.sku, variantKey: edit.variantKey };
  const current = await inventory.getItem(shopId, ref);
  if (!current)
    throw new InventoryError("not_found", `No stock item ${edit.sku} ${edit.variantKey} in shop ${shopId}.`);
  if (current.version !== edit.expectedVersion) {
    const [withStock] = await withLevels(shopId, [current]);
    throw new InventoryError("conflict", `${edit.sku} was changed by someone else.`, {
      details: { current: withStock, levels: withStock!.levels },
    });
  }
  let item = current;
  if (edit.quantity !== undefined) {
    // The quantity the edit names is at one location: set it there (a write that changes nothing writes nothing).
    item = await inventory.setQuantity({
      shopId,
      ...ref,
      quantity: edit.quantity,
      ...(edit.location ? { location: edit.location } : {}),
      expectedVersion: item.version,
      reason: edit.reason!,
      actor: operator.email,
      ...(edit.note ? { note: edit.note } : {}),
    });
  }
  const thresholdChanges = edit.lowStockThreshold !== undefined && edit.lowStockThreshold !== item.lowStockThreshold;
  const limitChanges = edit.purchaseLimit !== undefined && edit.purchaseLimit !== item.purchaseLimit;
  const productTitleChanges = edit.productTitle !== undefined && edit.productTitle !== item.productTitle;
  const variantTitleChanges = edit.variantTitle !== undefined && edit.variantTitle !== item.variantTitle;
  if (thresholdChanges || limitChanges || productTitleChanges || variantTitleChanges) {
    item = await inventory.updateItem({
      shopId,
      ...ref,
      ...(thresholdChanges ? { lowStockThreshold: edit.lowStockThreshold } : {}),
      ...(limitChanges ? { purchaseLimit: edit.purchaseLimit } : {}),
      ...(productTitleChanges ? { productTitle: edit.productTitle } : {}),
      ...(variantTitleChanges ? { variantTitle: edit.variantTitle } : {}),
      expectedVersion: item.version,
      actor: operator.email,
    });
  }
  const [withStock] = await withLevels(shopId, [item]);
  return Response.json({ item: withStock, levels: withStock!.levels });
});
