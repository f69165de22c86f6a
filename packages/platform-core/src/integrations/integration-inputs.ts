import { z } from "zod";
import { safeTextSchema, shopIdSchema } from "../inventory/inputs.ts";

/** At most this many shops in one integration's scope. */
export const INTEGRATION_MAX_SHOPS = 100;

export const integrationNameSchema = z
  .string({ error: "must be text" })
  .pipe(safeTextSchema)
  .transform((value) => value.trim().replace(/\s+/g, " "))
  .pipe(z.string().min(1, "must not be empty").max(80, "must be at most 80 characters"));

export const integrationShopsSchema = z
  .array(shopIdSchema, { error: "must be a list of shop ids" })
  .min(1, "must name at least one shop")
  .max(INTEGRATION_MAX_SHOPS, `must name at most ${INTEGRATION_MAX_SHOPS} shops`)
  .refine((shops) => new Set(shops).size === shops.length, "must not name a shop twice");

export const integrationIdSchema = z.string({ error: "must be an integration id" }).uuid("must be an integration id");

export const actorSchema = z
  .string({ error: "must be text" })
  .trim()
  .min(1, "is required")
  .max(200, "must be at most 200 characters")
  .pipe(safeTextSchema);

export const createIntegrationSchema = z.object({
  name: integrationNameSchema,
  shops: integrationShopsSchema,
  actor: actorSchema,
});
