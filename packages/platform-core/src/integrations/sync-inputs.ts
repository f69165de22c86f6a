import { createHash } from "node:crypto";
import { z } from "zod";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import {
  quantitySchema,
  safeTextSchema,
  skuSchema,
  variantAttributesSchema,
  variantKeySchema,
} from "../inventory/inputs.ts";
import { DEFAULT_LOCATION, locationCodeSchema } from "../locations/location-inputs.ts";
import { variantKey } from "../variants/variant-key.ts";

/** Why an integration set quantities; the ledger entry's note (its reason is `sync`). */
export const SYNC_REASONS = [
  "correction",
  "cycle_count",
  "received",
  "damaged",
  "shrinkage",
  "restock",
  "other",
] as const;
export type SyncReason = (typeof SYNC_REASONS)[number];

/** At most this many lines in one request. */
export const SYNC_MAX_LINES = 1000;
/** A request body of 1000 long lines stays far below this; anything larger is refused unread (413). */
export const SYNC_MAX_BODY_BYTES = 1024 * 1024;
/** The request header that makes a request safe to retry, and how long a key is remembered. */
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

const wholeNumber = (max: number) =>
  z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must not be negative")
    .max(max, `must be at most ${max}`);

const lineSchema = z.strictObject(
  {
    sku: skuSchema,
    variantKey: variantKeySchema.optional(),
    variantAttributes: variantAttributesSchema.optional(),
    location: locationCodeSchema.optional(),
    quantity: quantitySchema,
    compareQuantity: quantitySchema.optional(),
    compareVersion: wholeNumber(2_147_483_647).optional(),
  },
  { error: "must be an object { sku, quantity, ... }" },
);

const bodySchema = z.strictObject(
  {
    reason: z.enum(SYNC_REASONS, { error: `must be one of ${SYNC_REASONS.join(", ")}` }),
    reference: z
      .string({ error: "must be text" })
      .min(1, "must not be empty (leave it out instead)")
      .max(200, "must be at most 200 characters")
      .pipe(safeTextSchema)
      .optional(),
    atomic: z.boolean({ error: "must be true or false" }).default(false),
    lines: z
      .array(z.unknown(), { error: "must be a list of lines" })
      .min(1, "must have at least one line")
      .max(SYNC_MAX_LINES, `must have at most ${SYNC_MAX_LINES} lines`),
  },
  { error: "must be a JSON object { reason, lines, reference?, atomic? }" },
);

/** One line as the database gets it: the variant by its canonical key, the location named. */
export interface SyncLine {
  sku: string;
  variantKey: string;
  location: string;
  quantity: number;
  compareQuantity?: number;
  compareVersion?: number;
}

export interface SyncRequestBody {
  reason: SyncReason;
  reference?: string;
  atomic: boolean;
  lines: SyncLine[];
}

/**
 * Validates a set-quantities body. Every problem is reported at once, by
 * field (`lines.3.quantity`); a variant and location named twice is refused
 * on its second line. Throws `validation_failed`.
 */
export function parseSyncRequestBody(value: unknown): SyncRequestBody {
  const parsed = bodySchema.safeParse(value);
  if (!parsed.success) {
    // A body that is not even an object says so once, not per field.
    throw InventoryError.validation(namedFieldErrors(parsed.error).map(rootToBody));
  }
  const errors: FieldError[] = [];
  const lines: SyncLine[] = [];
  const seen = new Map<string, number>();
  parsed.data.lines.forEach((raw, index) => {
    const line = lineSchema.safeParse(raw);
    if (!line.success) {
      errors.push(...namedFieldErrors(line.error, `lines.${index}`));
      return;
    }
    const {
      sku,
      variantAttributes,
      location = DEFAULT_LOCATION,
      quantity,
      compareQuantity,
      compareVersion,
    } = line.data;
    if (line.data.variantKey !== undefined && variantAttributes !== undefined) {
      errors.push({
        field: `lines.${index}.variantAttributes`,
        message: "give variantKey or variantAttributes, not both",
      });
      return;
    }
    const key = line.data.variantKey ?? variantKey(variantAttributes);
    const identity = [sku, key, location].join("\u001f");
    const first = seen.get(identity);
    if (first !== undefined) {
      errors.push({ field: `lines.${index}.sku`, message: `names the same variant and location as line ${first}` });
      return;
    }
    seen.set(identity, index);
    lines.push({
      sku,
      variantKey: key,
      location,
      quantity,
      ...(compareQuantity !== undefined ? { compareQuantity } : {}),
      ...(compareVersion !== undefined ? { compareVersion } : {}),
    });
  });
  if (errors.length > 0) throw InventoryError.validation(errors);
  return {
    reason: parsed.data.reason,
    ...(parsed.data.reference !== undefined ? { reference: parsed.data.reference } : {}),
    atomic: parsed.data.atomic,
    lines,
  };
}

function rootToBody(error: FieldError): FieldError {
  return error.field === "(root)" ? { ...error, field: "body" } : error;
}

/** Field errors with each unknown field named at its own path (`lines.4.extra`), so a typo is found at once. */
export function namedFieldErrors(error: z.ZodError, prefix = ""): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = [prefix, ...issue.path.map(String)].filter(Boolean);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: [...at, key].join(".") || "(unnamed)",
        message: "is not a known field",
      }));
    }
    return [{ field: at.join(".") || "(root)", message: issue.message }];
  });
}

/** 1 to 255 printable ASCII characters (what Stripe and Shopify take). */
const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** The request's idempotency key, or `validation_failed` naming the header. */
export function parseIdempotencyKey(value: string | null): string {
  if (value === null || value === "") {
    throw InventoryError.validation(
      [{ field: IDEMPOTENCY_KEY_HEADER, message: "is required (1-255 printable characters, unique per request)" }],
      `The ${IDEMPOTENCY_KEY_HEADER} header is required.`,
    );
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw InventoryError.validation(
      [{ field: IDEMPOTENCY_KEY_HEADER, message: "must be 1-255 printable ASCII characters" }],
      `The ${IDEMPOTENCY_KEY_HEADER} header is not valid.`,
    );
  }
  return value;
}

/**
 * The fingerprint of a request: SHA-256 of the shop and the parsed body in a
 * fixed key order, so the same request written differently (attributes or
 * key, defaults spelled out or left out, keys in another order) matches.
 */
export function syncRequestFingerprint(shopId: string, body: SyncRequestBody): string {
  const canonical = JSON.stringify([
    shopId,
    body.reason,
    body.reference ?? null,
    body.atomic,
    body.lines.map((l) => [
      l.sku,
      l.variantKey,
      l.location,
      l.quantity,
      l.compareQuantity ?? null,
      l.compareVersion ?? null,
    ]),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}
