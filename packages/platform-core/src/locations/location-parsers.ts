import { z } from "zod";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import {
  fieldErrors,
  parseOrThrow,
  parseShopId,
  quantitySchema,
  safeTextSchema,
  skuSchema,
  variantKeySchema,
} from "../inventory/inputs.ts";
import { refId, type VariantRef } from "../inventory/types.ts";
import {
  ALLOCATION_STRATEGIES,
  LOCATION_KINDS,
  locationCodeSchema,
  locationNameSchema,
  locationPrioritySchema,
  type AllocationStrategy,
} from "./location-inputs.ts";
import type { CreateLocationInput, CreateTransferInput, TransferLine, UpdateLocationInput } from "./types.ts";

/** At most this many lines in one transfer. */
export const TRANSFER_MAX_LINES = 500;

const kindSchema = z.enum(LOCATION_KINDS, { error: `must be one of ${LOCATION_KINDS.join(", ")}` });
const strategySchema = z.enum(ALLOCATION_STRATEGIES, { error: `must be one of ${ALLOCATION_STRATEGIES.join(", ")}` });
const actorSchema = z.string().trim().min(1, "is required").max(200, "must be at most 200 characters");

const createSchema = z.object({
  code: locationCodeSchema,
  name: locationNameSchema,
  kind: kindSchema.default("warehouse"),
  active: z.boolean({ error: "must be true or false" }).default(true),
  fulfilsOnline: z.boolean({ error: "must be true or false" }).default(true),
  priority: locationPrioritySchema.default(100),
  actor: actorSchema,
});

const updateSchema = z.object({
  code: locationCodeSchema,
  name: locationNameSchema.optional(),
  kind: kindSchema.optional(),
  active: z.boolean({ error: "must be true or false" }).optional(),
  fulfilsOnline: z.boolean({ error: "must be true or false" }).optional(),
  priority: locationPrioritySchema.optional(),
  actor: actorSchema,
});

const transferLineSchema = z.object({
  sku: skuSchema,
  variantKey: variantKeySchema,
  quantity: quantitySchema.refine((value) => value > 0, "must be at least 1"),
});

const transferSchema = z.object({
  transferId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '-' or '_'")
    .optional(),
  from: locationCodeSchema,
  to: locationCodeSchema,
  lines: z
    .array(transferLineSchema, { error: "must be a list of lines" })
    .min(1, "must have at least one line")
    .max(TRANSFER_MAX_LINES, `must have at most ${TRANSFER_MAX_LINES} lines`),
  inTransit: z.boolean({ error: "must be true or false" }).default(false),
  actor: actorSchema,
  note: safeTextSchema.pipe(z.string().max(1000, "must be at most 1000 characters")).optional(),
});

export function parseLocationCode(value: unknown, field = "code"): string {
  return parseOrThrow(locationCodeSchema, value, field);
}

export function parseStrategy(value: unknown): AllocationStrategy {
  return parseOrThrow(strategySchema, value, "strategy");
}

export function parseRefs(refs: VariantRef[]): VariantRef[] {
  return refs.map((ref, index) => ({
    sku: parseOrThrow(skuSchema, ref?.sku, `refs.${index}.sku`),
    variantKey: parseOrThrow(variantKeySchema, ref?.variantKey, `refs.${index}.variantKey`),
  }));
}

export function parseCreateLocation(input: CreateLocationInput) {
  const shopId = parseShopId(input?.shopId);
  return { shopId, ...parseOrThrow(createSchema, { ...input, shopId: undefined }) };
}

export function parseUpdateLocation(input: UpdateLocationInput) {
  const shopId = parseShopId(input?.shopId);
  return { shopId, ...parseOrThrow(updateSchema, { ...input, shopId: undefined }) };
}

export function parseTransfer(input: CreateTransferInput) {
  const shopId = parseShopId(input?.shopId);
  const parsed = transferSchema.safeParse({ ...input, shopId: undefined });
  if (!parsed.success) throw InventoryError.validation(fieldErrors(parsed.error));
  const errors: FieldError[] = [];
  if (parsed.data.from === parsed.data.to)
    errors.push({ field: "to", message: "must differ from the source location" });
  const seen = new Map<string, number>();
  parsed.data.lines.forEach((line: TransferLine, index) => {
    const key = refId(line);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else errors.push({ field: `lines.${index}`, message: `names the same variant as line ${first}` });
  });
  if (errors.length > 0) throw InventoryError.validation(errors);
  return { shopId, ...parsed.data };
}
