import { z } from "zod";

/** Every shop's default location: stock written without a location lands here. Its code never changes. */
export const DEFAULT_LOCATION = "main";

export const LOCATION_KINDS = ["warehouse", "store"] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

export const ALLOCATION_STRATEGIES = ["fewest_locations", "priority"] as const;
export type AllocationStrategy = (typeof ALLOCATION_STRATEGIES)[number];

/** Lower-case letters, digits, `-` and `_`, up to 32, starting with a letter or digit (CHECK in the migration SQL). */
export const locationCodeSchema = z.string({ error: "must be a location code" }).regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
  error: "must be 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter or digit",
});

export const locationNameSchema = z
  .string({ error: "must be text" })
  .trim()
  .min(1, { error: "must not be empty" })
  .max(80, { error: "must be at most 80 characters" });

export const locationPrioritySchema = z
  .number({ error: "must be a whole number" })
  .int({ error: "must be a whole number" })
  .min(0, { error: "must be 0 or more" })
  .max(1_000_000, { error: "must be at most 1000000" });
