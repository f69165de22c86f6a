import { z } from "zod";

/** Preset ranges offered by the dashboard, in seconds. */
export const DASHBOARD_RANGES = { "1h": 3600, "24h": 86_400, "7d": 7 * 86_400, "30d": 30 * 86_400 } as const;
export type DashboardRange = keyof typeof DASHBOARD_RANGES | "custom";
export const DEFAULT_RANGE: DashboardRange = "24h";

/** A custom range may span at most this long (bucket queries stay small). */
export const MAX_CUSTOM_RANGE_SECONDS = 366 * 86_400;
/** Charts get at most this many points. */
export const MAX_POINTS = 200;
/** Bucket sizes, smallest first; the first that keeps the range within MAX_POINTS wins. */
const BUCKET_SIZES = [
  60,
  120,
  300,
  600,
  900,
  1800,
  3600,
  7200,
  10_800,
  21_600,
  43_200,
  86_400,
  2 * 86_400,
  7 * 86_400,
  14 * 86_400,
  31 * 86_400,
];

export interface DashboardQuery {
  range: DashboardRange;
  /** Undefined: every shop the operator may read. */
  shopId: string | undefined;
  from: Date;
  to: Date;
  bucketSeconds: number;
  /** The raw custom inputs, to put back into the form. */
  fromInput: string;
  toInput: string;
}

export type DashboardQueryResult =
  | { ok: true; query: DashboardQuery }
  | { ok: false; errors: string[]; range: string; shopId: string | undefined; fromInput: string; toInput: string };

// A `datetime-local` input sends no zone: the dashboard reads and shows UTC throughout.
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;
const dateInput = z
  .string()
  .trim()
  .min(1, "is required for a custom range")
  .transform((value) => new Date(LOCAL_DATE_TIME.test(value) ? `${value}Z` : value))
  .refine(
    (date) => !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 2000 && date.getUTCFullYear() <= 9999,
    "is not a date (use YYYY-MM-DDTHH:MM, UTC)",
  );

const single = (field: string) => z.string({ error: `${field} must be given once` }).optional();

const searchSchema = z.object({
  range: z.enum(["1h", "24h", "7d", "30d", "custom"], { error: "range must be 1h, 24h, 7d, 30d or custom" }).optional(),
  shop: single("shop").transform((value) => (value?.trim() ? value.trim() : undefined)),
  from: single("from"),
  to: single("to"),
});

/** The smallest listed bucket that keeps `seconds` within MAX_POINTS points. */
export function bucketSecondsFor(seconds: number): number {
  return BUCKET_SIZES.find((size) => Math.ceil(seconds / size) <= MAX_POINTS) ?? BUCKET_SIZES[BUCKET_SIZES.length - 1]!;
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

/**
 * Reads the dashboard's query string. Presets end at the current bucket's
 * end, so reloading keeps the buckets aligned; a custom range is taken as
 * given. Never throws: bad input comes back as messages for the page.
 */
export function parseDashboardQuery(
  search: Record<string, string | string[] | undefined>,
  now = new Date(),
): DashboardQueryResult {
  const parsed = searchSchema.safeParse(search);
  const fromInput = text(search.from);
  const toInput = text(search.to);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => issue.message),
      range: text(search.range),
      shopId: text(search.shop) || undefined,
      fromInput,
      toInput,
    };
  }
  const { shop: shopId } = parsed.data;
  const range: DashboardRange = parsed.data.range ?? (parsed.data.from || parsed.data.to ? "custom" : DEFAULT_RANGE);
  const fail = (errors: string[]) => ({ ok: false as const, errors, range, shopId, fromInput, toInput });

  if (range !== "custom") {
    const bucketSeconds = bucketSecondsFor(DASHBOARD_RANGES[range]);
    const bucketMs = bucketSeconds * 1000;
    const to = new Date(Math.ceil((now.getTime() + 1) / bucketMs) * bucketMs);
    const from = new Date(to.getTime() - Math.ceil(DASHBOARD_RANGES[range] / bucketSeconds) * bucketMs);
    return { ok: true, query: { range, shopId, from, to, bucketSeconds, fromInput, toInput } };
  }

  const from = dateInput.safeParse(parsed.data.from ?? "");
  const to = dateInput.safeParse(parsed.data.to ?? "");
  const errors = [
    ...(from.success ? [] : from.error.issues.map((issue) => `from ${issue.message}`)),
    ...(to.success ? [] : to.error.issues.map((issue) => `to ${issue.message}`)),
  ];
  if (!from.success || !to.success) return fail(errors);
  const seconds = (to.data.getTime() - from.data.getTime()) / 1000;
  if (seconds <= 0) return fail(["to must be after from"]);
  if (seconds < 60) return fail(["the range must be at least one minute"]);
  if (seconds > MAX_CUSTOM_RANGE_SECONDS)
    return fail([`the range may span at most ${MAX_CUSTOM_RANGE_SECONDS / 86_400} days`]);
  return {
    ok: true,
    query: {
      range,
      shopId,
      from: from.data,
      to: to.data,
      bucketSeconds: bucketSecondsFor(seconds),
      fromInput,
      toInput,
    },
  };
}
