import { z } from "zod";
import { getEnv } from "../env.ts";
import { safeTextSchema, shopIdSchema } from "../inventory/inputs.ts";
import { STOCK_EVENT_TYPES } from "./stock-event-types.ts";

/** At most this many shops in one subscription. */
export const SUBSCRIPTION_MAX_SHOPS = 100;
export const SUBSCRIPTION_URL_MAX_LENGTH = 2000;
export const SUBSCRIPTION_SECRET_MIN_LENGTH = 16;

/** Hosts an `http:` URL may name in production: this machine only. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export const subscriptionIdSchema = z.string({ error: "must be a subscription id" }).uuid("must be a subscription id");

export const subscriptionNameSchema = z
  .string({ error: "must be text" })
  .pipe(safeTextSchema)
  .transform((value) => value.trim().replace(/\s+/g, " "))
  .pipe(z.string().min(1, "must not be empty").max(80, "must be at most 80 characters"));

/**
 * An absolute https URL; http only to a loopback host, or anywhere outside
 * production (development and tests subscribe local servers).
 */
export const subscriptionUrlSchema = z
  .string({ error: "must be a URL" })
  .trim()
  .min(1, "is required")
  .max(SUBSCRIPTION_URL_MAX_LENGTH, `must be at most ${SUBSCRIPTION_URL_MAX_LENGTH} characters`)
  .superRefine((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: "custom", message: "must be an absolute URL (https://...)" });
      return;
    }
    if (url.protocol === "https:") return;
    if (url.protocol !== "http:") {
      context.addIssue({ code: "custom", message: "must start with https://" });
      return;
    }
    if (!isLoopbackHost(url.hostname) && getEnv().NODE_ENV === "production") {
      context.addIssue({ code: "custom", message: "must use https (http only to localhost)" });
    }
  });

export const subscriptionShopsSchema = z
  .array(shopIdSchema, { error: "must be a list of shop ids" })
  .min(1, "must name at least one shop")
  .max(SUBSCRIPTION_MAX_SHOPS, `must name at most ${SUBSCRIPTION_MAX_SHOPS} shops`)
  .refine((shops) => new Set(shops).size === shops.length, "must not name a shop twice")
  .transform((shops) => [...shops].sort());

export const subscriptionKindsSchema = z
  .array(z.enum(STOCK_EVENT_TYPES, { error: `must be one of ${STOCK_EVENT_TYPES.join(", ")}` }), {
    error: "must be a list of event types",
  })
  .min(1, "must name at least one event type")
  .refine((kinds) => new Set(kinds).size === kinds.length, "must not name a type twice")
  .transform((kinds) => STOCK_EVENT_TYPES.filter((type) => kinds.includes(type)));

export const subscriptionSecretSchema = z
  .string({ error: "must be text" })
  .min(SUBSCRIPTION_SECRET_MIN_LENGTH, `must be at least ${SUBSCRIPTION_SECRET_MIN_LENGTH} characters`)
  .max(200, "must be at most 200 characters")
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

export const subscriptionActorSchema = z
  .string({ error: "must be text" })
  .trim()
  .min(1, "is required")
  .max(200, "must be at most 200 characters")
  .pipe(safeTextSchema);

/** Where a new cursor starts: the shop's next event (default), or its first retained one. */
export const START_FROM = ["now", "beginning"] as const;
export type StartFrom = (typeof START_FROM)[number];
const startFromSchema = z.enum(START_FROM, { error: "must be now or beginning" });

export const createSubscriptionSchema = z.object({
  name: subscriptionNameSchema,
  url: subscriptionUrlSchema,
  shops: subscriptionShopsSchema,
  kinds: subscriptionKindsSchema,
  secret: subscriptionSecretSchema.optional(),
  active: z.boolean({ error: "must be true or false" }).default(true),
  startFrom: startFromSchema.default("now"),
  actor: subscriptionActorSchema,
});

export const updateSubscriptionSchema = z.object({
  id: subscriptionIdSchema,
  name: subscriptionNameSchema.optional(),
  url: subscriptionUrlSchema.optional(),
  shops: subscriptionShopsSchema.optional(),
  kinds: subscriptionKindsSchema.optional(),
  active: z.boolean({ error: "must be true or false" }).optional(),
  /** true: a new generated secret, returned once. */
  rotateSecret: z.boolean({ error: "must be true or false" }).optional(),
  /** A secret of the caller's own (instead of rotateSecret). */
  secret: subscriptionSecretSchema.optional(),
  /** Where cursors of shops added by this update start. */
  startFrom: startFromSchema.default("now"),
});
