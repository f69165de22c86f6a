import { clientIpHeaderSchema, InventoryError } from "@acme/platform-core";
import { z } from "zod";

const flag = z
  .enum(["0", "1", "true", "false", ""])
  .optional()
  .transform((value) => (value === undefined || value === "" ? undefined : value === "1" || value === "true"));

const cmsEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  /** Seals the session cookie (iron-session); at least 32 characters. */
  CMS_SESSION_SECRET: z
    .string({ error: "required (32 or more random characters)" })
    .min(32, "must be at least 32 characters"),
  /** Session cookies only over HTTPS. Defaults to on in production. */
  CMS_SECURE_COOKIES: flag,
  /**
   * The header your proxy or platform sets to the client's address (e.g.
   * `x-real-ip`, or `x-forwarded-for` behind a proxy that appends to it),
   * used to throttle sign-ins per client. Unset: only per-email throttling,
   * since a header no trusted proxy sets is the client's own to forge.
   */
  CMS_CLIENT_IP_HEADER: clientIpHeaderSchema,
  /**
   * Where a hold's Checkout Session opens, `{id}` standing for the session id
   * (the demo points it at the Stripe emulator's page). Unset: Stripe's
   * Dashboard, searched for the session.
   */
  CMS_STRIPE_SESSION_URL: z
    .string()
    .trim()
    .optional()
    .transform((value) => value || undefined)
    .pipe(
      z
        .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
        .refine((value) => value.includes("{id}"), "must contain {id}, where the session id goes")
        .optional(),
    ),
  /** Hours a sign-in lasts. */
  CMS_SESSION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
});

export interface CmsEnv {
  sessionSecret: string;
  secureCookies: boolean;
  sessionSeconds: number;
  production: boolean;
  clientIpHeader: string | undefined;
  /** The page of a Checkout Session, for operators. */
  stripeSessionUrl: (checkoutSessionId: string) => string;
}

let cached: CmsEnv | undefined;

/**
 * A session's page from the template; without one, Stripe's Dashboard
 * searching for the session id (test-mode sessions in the test Dashboard).
 */
function sessionLink(template: string | undefined): (checkoutSessionId: string) => string {
  if (template) return (id) => template.replaceAll("{id}", encodeURIComponent(id));
  return (id) =>
    `https://dashboard.stripe.com/${id.startsWith("cs_test_") ? "test/" : ""}search?query=${encodeURIComponent(id)}`;
}

/** The CMS's own settings (the library's are read by platform-core's getEnv). */
export function getCmsEnv(): CmsEnv {
  if (cached) return cached;
  const parsed = cmsEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
    throw new InventoryError(
      "misconfigured",
      `Invalid CMS environment: ${errors.map((e) => `${e.field} (${e.message})`).join(", ")}`,
      {
        details: { errors },
      },
    );
  }
  const env = parsed.data;
  cached = {
    sessionSecret: env.CMS_SESSION_SECRET,
    secureCookies: env.CMS_SECURE_COOKIES ?? env.NODE_ENV === "production",
    sessionSeconds: env.CMS_SESSION_HOURS * 3600,
    production: env.NODE_ENV === "production",
    clientIpHeader: env.CMS_CLIENT_IP_HEADER,
    stripeSessionUrl: sessionLink(env.CMS_STRIPE_SESSION_URL),
  };
  return cached;
}
