import { z } from "zod";
import type { HoldPolicy } from "./types.ts";

/**
 * A shop's hold policy when it has set none: caps no real buyer reaches (a
 * buyer has one or two checkouts open, rarely more), and five minutes for a
 * checkout's hold to reach Stripe's page. The same numbers are written in
 * prisma/functions/inventory_hold_policy.sql; a test keeps them equal.
 */
export const DEFAULT_HOLD_POLICY: HoldPolicy = {
  maxActiveHoldsPerClient: 10,
  maxHeldUnitsPerClient: 200,
  unopenedHoldSeconds: 300,
  isDefault: true,
};

/** A policy number: says what is missing or not a number in plain words, not zod's. */
const policyNumber = () =>
  z.number({
    error: (issue) =>
      issue.input === undefined
        ? "is required"
        : typeof issue.input === "number"
          ? "must be a finite number"
          : "must be a number",
  });

/**
 * What an operator may set (the database's CHECK constraints say the same):
 * all three values, nothing else, every bad field named in one answer.
 */
export const holdPolicySchema = z.strictObject(
  {
    maxActiveHoldsPerClient: policyNumber()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(10_000, "must be at most 10000"),
    maxHeldUnitsPerClient: policyNumber()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(1_000_000, "must be at most 1000000"),
    unopenedHoldSeconds: policyNumber()
      .int("must be a whole number of seconds")
      .min(60, "must be at least 60")
      .max(1800, "must be at most 1800"),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys.join(", ")}`
        : "must be a JSON object with maxActiveHoldsPerClient, maxHeldUnitsPerClient and unopenedHoldSeconds",
  },
);

/** The caps and purchase limits one client has against it, as a hold request counts them. */
export interface ClientUsage {
  holds: number;
  units: number;
  /** When the first of its active holds lapses. */
  earliest: number | null;
}
