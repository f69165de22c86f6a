import { z } from "zod";
import { InventoryError } from "../errors/inventory-error.ts";
import type { CreateHoldOutcome, PaidSaleOutcome } from "./types.ts";

// The answers of the hold SQL functions (jsonb), parsed at the boundary so
// that nothing past the store reads an unchecked field.

const status = z.enum(["active", "committed", "released", "expired"]);
const timestamp = z.string().transform((value, context) => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) context.addIssue({ code: "custom", message: "is not a timestamp" });
  return date;
});
const shortLine = z.object({
  sku: z.string(),
  variantKey: z.string(),
  requested: z.number().int(),
  available: z.number().int(),
});

/** One request's answer from `inventory_create_holds_batch`, directly or through the request queue. */
export const createHoldResultSchema = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.literal("created"),
    holdId: z.string(),
    expiresAt: timestamp,
    openExpiresAt: timestamp.nullable().default(null),
    status,
  }),
  z.object({
    outcome: z.literal("existing"),
    holdId: z.string(),
    expiresAt: timestamp,
    openExpiresAt: timestamp.nullable().default(null),
    status,
    sameRequest: z.boolean(),
  }),
  z.object({
    outcome: z.literal("insufficient"),
    insufficient: z.array(shortLine),
    hasExpiredHolds: z.boolean().optional(),
  }),
  z.object({
    outcome: z.literal("limited"),
    lines: z.array(
      z.object({
        sku: z.string(),
        variantKey: z.string(),
        requested: z.number().int(),
        limit: z.number().int(),
        alreadyHeld: z.number().int(),
      }),
    ),
  }),
  z.object({
    outcome: z.literal("capped"),
    cap: z.enum(["holds", "units"]),
    limit: z.number().int(),
    client: z.enum(["address", "buyer"]),
    retryAfterSeconds: z.number().int().nullable(),
  }),
  /** Dropped from the queue at its deadline (the store's own marker, not SQL's). */
  z.object({ outcome: z.literal("undecided") }),
]);
export type CreateHoldResult = z.output<typeof createHoldResultSchema>;

/** One operation's answer from `inventory_settle_batch`. */
export const settleResultSchema = z.object({
  outcome: z.enum([
    "committed",
    "already_committed",
    "recommitted",
    "oversold",
    "released",
    "unchanged",
    "awaiting_payment",
    "not_active",
    "not_found",
    "duplicate",
  ]),
  status: status.optional(),
  insufficient: z.array(shortLine).optional(),
});
export type SettleResult = z.output<typeof settleResultSchema>;

/** The answer of `inventory_record_paid_sale`. */
export const paidSaleResultSchema = z.object({
  outcome: z.enum(["sold", "already_recorded", "oversold"]) satisfies z.ZodType<PaidSaleOutcome>,
  insufficient: z.array(shortLine).optional(),
});

/** Parses a function's answer; one that does not fit is a defect, reported as `internal` with what did not fit. */
export function parseHoldResult<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InventoryError("internal", `The database answered ${what} in an unexpected shape.`, {
    details: { issues: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) },
  });
}

/** The store's answer for a decided create request. */
export function toCreateOutcome(result: Exclude<CreateHoldResult, { outcome: "undecided" }>): CreateHoldOutcome {
  if (result.outcome === "insufficient") return { outcome: "insufficient", insufficient: result.insufficient };
  return result;
}
