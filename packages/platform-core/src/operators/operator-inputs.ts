import { z } from "zod";
import { parseOrThrow, safeTextSchema, shopIdSchema } from "../inventory/inputs.ts";
import { OPERATOR_ROLES } from "./types.ts";

export const PASSWORD_MIN_LENGTH = 12;
/** argon2 hashes any length; the cap stops a multi-megabyte "password" from costing CPU. */
export const PASSWORD_MAX_LENGTH = 256;

export const emailSchema = z
  .string()
  .trim()
  .max(254, "at most 254 characters")
  .pipe(z.email("not an email address"))
  .transform((email) => email.toLowerCase());

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `at most ${PASSWORD_MAX_LENGTH} characters`);

export const createOperatorSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: safeTextSchema.pipe(z.string().trim().min(1, "required").max(120, "at most 120 characters")).optional(),
  role: z.enum(OPERATOR_ROLES),
  shops: z.array(shopIdSchema).max(500, "at most 500 shops").default([]),
});

export type CreateOperatorInput = z.input<typeof createOperatorSchema>;

/** Sign-in input: a bad shape is a 400, but a wrong password never says which part was wrong. */
export const signInSchema = z.object({
  // Safe text: PostgreSQL cannot store a NUL, so "\u0000" reached the throttle's insert and answered 500.
  email: safeTextSchema
    .pipe(z.string().trim().min(1, "required").max(254, "at most 254 characters"))
    .transform((email) => email.toLowerCase()),
  password: z.string().min(1, "required").max(PASSWORD_MAX_LENGTH, `at most ${PASSWORD_MAX_LENGTH} characters`),
});

export function parseCreateOperator(input: unknown) {
  return parseOrThrow(createOperatorSchema, input);
}

export function parseSignIn(input: unknown) {
  return parseOrThrow(signInSchema, input);
}
