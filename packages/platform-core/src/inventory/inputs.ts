import { z } from "zod";
import { DEFAULT_LOCATION, locationCodeSchema } from "../locations/location-inputs.ts";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import {
  cleanVariantAttributes,
  collidingAttributeNames,
  isCanonicalVariantKey,
  variantKey,
} from "../variants/variant-key.ts";
import { TITLE_MAX_LENGTH } from "../variants/variant-label.ts";
import { LEDGER_REASONS, MAX_QUANTITY, refId, type StockChange, type StockItemInput } from "./types.ts";

// Input rules shared by both backends, the importer and the HTTP layer.

// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused.
const noControlChars = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);
// A lone UTF-16 surrogate cannot be stored as UTF-8 nor URI-encoded.
const wellFormed = (value: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
const safeText = (value: string) => noControlChars(value) && wellFormed(value);
const SAFE_TEXT_MESSAGE = "must not contain control characters or malformed Unicode";

/** Free text that is safe to store and to put in keys and URLs. */
export const safeTextSchema = z.string().refine(safeText, SAFE_TEXT_MESSAGE);

export const shopIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be 1-64 lower-case letters, digits, '-' or '_'");

export const skuSchema = z
  .string()
  .trim()
  .min(1, "is required")
  .max(128, "must be at most 128 characters")
  .refine(safeText, SAFE_TEXT_MESSAGE);

export const productIdSchema = skuSchema;

export { TITLE_MAX_LENGTH };

/** A product or variant title: trimmed, spaces folded; "" means none. */
export const titleSchema = z
  .string({ error: "must be a string" })
  .refine(safeText, SAFE_TEXT_MESSAGE)
  .transform((value) => value.trim().replace(/\s+/g, " "))
  .pipe(z.string().max(TITLE_MAX_LENGTH, `must be at most ${TITLE_MAX_LENGTH} characters`));

/** A variant key as `variantKey()` makes it (clients echo keys they were given). */
export const variantKeySchema = z
  .string({ error: "must be a string" })
  .max(2048, "must be at most 2048 characters")
  .refine(safeText, SAFE_TEXT_MESSAGE)
  .refine(isCanonicalVariantKey, "is not a canonical variant key (derive it with variantKey(attributes))");

/** What a purchase limit below 1 is told (files and forms write "no limit" as empty). */
export const PURCHASE_LIMIT_MIN_MESSAGE = "must be at least 1 (empty or null for no limit)";

export const quantitySchema = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(0, "must not be negative")
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

/** At most this many units per checkout and per buyer; the database refuses 0 (CHECK "purchaseLimit" >= 1). */
export const purchaseLimitSchema = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, PURCHASE_LIMIT_MIN_MESSAGE)
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

export const deltaSchema = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(-MAX_QUANTITY, `must be at least -${MAX_QUANTITY}`)
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

export const variantAttributesSchema = z
  .record(
    z.string().max(64, "attribute names must be at most 64 characters").refine(safeText, SAFE_TEXT_MESSAGE),
    z.string().max(128, "attribute values must be at most 128 characters").refine(safeText, SAFE_TEXT_MESSAGE),
  )
  .refine((value) => Object.keys(value).length <= 16, "at most 16 attributes")
  .superRefine((value, context) => {
    for (const { name, first } of collidingAttributeNames(value)) {
      context.addIssue({ code: "custom", path: [name], message: `names the same attribute as ${first}` });
    }
  });

export const stockItemInputSchema = z.object({
  sku: skuSchema,
  productId: productIdSchema,
  productTitle: titleSchema.optional(),
  variantTitle: titleSchema.optional(),
  variantAttributes: variantAttributesSchema.optional(),
  quantity: quantitySchema,
  lowStockThreshold: quantitySchema.nullable().optional(),
  purchaseLimit: purchaseLimitSchema.nullable().optional(),
  location: locationCodeSchema.optional(),
});

export const stockChangeSchema = z.object({
  reason: z.enum(LEDGER_REASONS, { error: `must be one of ${LEDGER_REASONS.join(", ")}` }),
  actor: z
    .string()
    .trim()
    .min(1, "is required")
    .max(200, "must be at most 200 characters")
    .refine(safeText, SAFE_TEXT_MESSAGE),
  note: z
    .string()
    .max(1000, "must be at most 1000 characters")
    .refine(wellFormed, "must not contain malformed Unicode")
    .optional(),
});

/** Turns zod issues into field errors, with an optional path prefix. */
export function fieldErrors(error: z.ZodError, prefix = ""): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "(root)",
    message: issue.message,
  }));
}

/** Parses with a schema or throws `validation_failed` listing every field error. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix = ""): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw InventoryError.validation(fieldErrors(parsed.error, prefix));
  return parsed.data;
}

export function parseShopId(shopId: unknown): string {
  return parseOrThrow(shopIdSchema, shopId, "shopId");
}

export function parseStockChange(change: unknown): StockChange {
  return parseOrThrow(stockChangeSchema, change);
}

/** A validated input with its canonical key and cleaned attributes. */
export interface NormalisedStockItemInput {
  sku: string;
  productId: string;
  /** undefined: keep the current title (or "" for a new item). */
  productTitle: string | undefined;
  variantTitle: string | undefined;
  variantKey: string;
  variantAttributes: Record<string, string>;
  quantity: number;
  /** undefined: keep the current threshold (or none for a new item). */
  lowStockThreshold: number | null | undefined;
  /** undefined: keep the current limit (or none for a new item). */
  purchaseLimit: number | null | undefined;
  /** Where `quantity` is: the shop's default location (main) when the input names none. */
  location: string;
}

/**
 * Validates a batch for `upsertItems`: every field, and no two inputs for the
 * same variant. Throws one `validation_failed` listing every problem by index.
 */
/** Fields of the item itself, which every row for the variant shares. */
const SHARED_FIELDS = ["productId", "productTitle", "variantTitle", "lowStockThreshold", "purchaseLimit"] as const;

export function normaliseStockItemInputs(inputs: unknown): NormalisedStockItemInput[] {
  if (!Array.isArray(inputs)) throw InventoryError.validation([{ field: "items", message: "must be a list" }]);
  const errors: FieldError[] = [];
  const result: NormalisedStockItemInput[] = [];
  const seen = new Map<string, number>();
  const variants = new Map<string, { index: number; value: StockItemInput }>();
  inputs.forEach((input: unknown, index) => {
    const parsed = stockItemInputSchema.safeParse(input);
    if (!parsed.success) {
      errors.push(...fieldErrors(parsed.error, `items.${index}`));
      return;
    }
    const value: StockItemInput = parsed.data;
    const key = variantKey(value.variantAttributes);
    const location = value.location ?? DEFAULT_LOCATION;
    const identity = `${refId({ sku: value.sku, variantKey: key })}\u0000${location}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      errors.push({
        field: `items.${index}.sku`,
        message: `duplicates item ${first} (same sku, variant and location)`,
      });
      return;
    }
    seen.set(identity, index);
    // Rows for one variant at several locations describe one item: what they both give must agree.
    const sibling = variants.get(refId({ sku: value.sku, variantKey: key }));
    if (sibling) {
      for (const field of SHARED_FIELDS) {
        if (value[field] !== undefined && sibling.value[field] !== undefined && value[field] !== sibling.value[field]) {
          errors.push({
            field: `items.${index}.${field}`,
            message: `differs from item ${sibling.index} (the same variant)`,
          });
        }
      }
    } else {
      variants.set(refId({ sku: value.sku, variantKey: key }), { index, value });
    }
    result.push({
      location,
      sku: value.sku,
      productId: value.productId,
      productTitle: value.productTitle,
      variantTitle: value.variantTitle,
      variantKey: key,
      variantAttributes: cleanVariantAttributes(value.variantAttributes),
      quantity: value.quantity,
      lowStockThreshold: value.lowStockThreshold,
      purchaseLimit: value.purchaseLimit,
    });
  });
  if (errors.length > 0) throw InventoryError.validation(errors);
  return result;
}
