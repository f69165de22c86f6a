import { z } from "zod";
import { getEnv } from "../env.ts";
import { safeTextSchema, shopIdSchema } from "../inventory/inputs.ts";
import { STOCK_EVENT_TYPES } from "./stock-event-types.ts";

/** At most this many shops in one subscription. */
export const SUBSCRIPTION_MAX_SHOPS = 100;
export const SUBSCRIPTION_URL_MAX_LENGTH = 2000;
export const SUBSCRIPTION_SECRET_MIN_LENGTH = 16;

/** IPv4 ranges no public subscriber lives in: this host, private networks, link-local (cloud metadata), CGNAT. */
const INTERNAL_IPV4 = [
  /^0\./,
  /^10\./,
  /^127\./,
  /^169\.254\./,
  /^172\.(1[6-9]|2[0-9]|3[01])\./,
  /^192\.168\./,
  /^100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\./,
];

/**
 * Whether a URL's host (as the URL parser normalised it, so `127.1` and
 * `0x7f000001` are `127.0.0.1`) names this machine or an internal network:
 * such a URL would let whoever edits subscriptions make the CMS POST inside
 * its own network. Names are not resolved (docs/stock-events.md).
 */
function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || /\.(localhost|local|internal)\.?$/.test(host)) return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return INTERNAL_IPV4.some((range) => range.test(host));
  if (!host.includes(":")) return false;
  if (host === "::" || host === "::1") return true;
  // IPv4-mapped (::ffff:7f00:1, as the parser writes ::ffff:127.0.0.1): judge the IPv4 address.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return isInternalHost(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  // Unique local fc00::/7, link-local fe80::/10.
  return /^f[cd][0-9a-f]{0,2}:/.test(host) || /^fe[89ab][0-9a-f]?:/.test(host);
}

export const subscriptionIdSchema = z.string({ error: "must be a subscription id" }).uuid("must be a subscription id");

export const subscriptionNameSchema = z
  .string({ error: "must be text" })
  .pipe(safeTextSchema)
  .transform((value) => value.trim().replace(/\s+/g, " "))
  .pipe(z.string().min(1, "must not be empty").max(80, "must be at most 80 characters"));

/**
 * An absolute URL without credentials. In production: https to a public host
 * (no loopback, private or link-local address, no localhost, .local or
 * .internal name) unless STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS is set, which
 * also allows http. Outside production anything http(s) goes (development
 * and tests subscribe local servers).
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
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      context.addIssue({ code: "custom", message: "must start with https://" });
      return;
    }
    if (url.username.length > 0 || url.password.length > 0) {
      // It would be shown in the CMS, the delivery log and ops alerts; the signature authenticates the sender.
      context.addIssue({ code: "custom", message: "must not contain a user name or password" });
      return;
    }
    const env = getEnv();
    if (env.NODE_ENV !== "production" || env.STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS) return;
    if (isInternalHost(url.hostname)) {
      context.addIssue({ code: "custom", message: "must not name this machine or a private network address" });
    } else if (url.protocol !== "https:") {
      context.addIssue({ code: "custom", message: "must use https" });
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
