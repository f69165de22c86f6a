import {
  InventoryError,
  listInventoryPage,
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
import { gridQuerySchema } from "@/components/grid-query";

export const dynamic = "force-dynamic";

/** An edit is a few fields; anything larger is refused unread (413). */
const EDIT_MAX_BYTES = 16 * 1024;

/** One page of the stock grid (search, stock filter, sort, paging). Viewers may read. */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId }) => {
  const query = parseOrThrow(gridQuerySchema, queryOf(request));
  const { inventory } = getStores();
  const page = await listInventoryPage({ shopId, query, store: inventory });
  return Response.json(page, { headers: { "cache-control": "no-store" } });
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
  });

/**
 * Edits one variant: quantity (absolute, written to the ledger with the
 * operator's reason and note), low-stock threshold, purchase limit and titles. The request names
 * the version the operator saw; if someone changed the variant since, the
 * answer is 409 `conflict` with `current` (the values now), and nothing changes.
 */
export const PATCH = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const edit = parseOrThrow(editSchema, await readJsonBody(request, EDIT_MAX_BYTES));
  const { inventory } = getStores();
  const ref = { sku: edit.sku, variantKey: edit.variantKey };
  const current = await inventory.getItem(shopId, ref);
  if (!current)
    throw new InventoryError("not_found", `No stock item ${edit.sku} ${edit.variantKey} in shop ${shopId}.`);
  if (current.version !== edit.expectedVersion) {
    throw new InventoryError("conflict", `${edit.sku} was changed by someone else.`, { details: { current } });
  }
  let item = current;
  if (edit.quantity !== undefined && edit.quantity !== item.quantity) {
    item = await inventory.setQuantity({
      shopId,
      ...ref,
      quantity: edit.quantity,
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
  return Response.json({ item });
});
