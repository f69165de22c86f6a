import { z } from "zod";
import { InventoryError } from "./errors/inventory-error.ts";

/** Hold lifetime bounds in seconds: Stripe-independent, enforced everywhere. */
export const HOLD_TTL_MIN_SECONDS = 60;
export const HOLD_TTL_MAX_SECONDS = 3600;
export const HOLD_TTL_DEFAULT_SECONDS = 1200;

const flag = z
  .enum(["0", "1", "true", "false", ""])
  .optional()
  .transform((value) => value === "1" || value === "true");

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: optionalString,
  /** A direct (unpooled) connection for migrations, beside a DATABASE_URL that goes through a pooler. */
  DATABASE_DIRECT_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  INVENTORY_BACKEND: z.enum(["prisma", "json"]).default("prisma"),
  INVENTORY_DATA_DIR: z.string().min(1).default("./data/inventory"),
  INVENTORY_ALLOW_JSON_IN_PRODUCTION: flag,
  INVENTORY_MODE: z.enum(["validate_only", "reserve_ttl"]).default("reserve_ttl"),
  INVENTORY_HOLD_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(HOLD_TTL_MIN_SECONDS)
    .max(HOLD_TTL_MAX_SECONDS)
    .default(HOLD_TTL_DEFAULT_SECONDS),
  INVENTORY_AUTHORITY_URL: optionalString.pipe(z.url().optional()),
  INVENTORY_AUTHORITY_TOKEN: optionalString,
  STOCK_ALERT_RECIPIENT: optionalString,
  STOCK_ALERT_WEBHOOK_URLS: optionalString.transform((value) =>
    value
      ? value
          .split(",")
          .map((url) => url.trim())
          .filter(Boolean)
      : [],
  ),
  ALERT_WEBHOOK_SECRET: optionalString,
  /** Production only: stock event webhooks may name private, loopback and link-local hosts. */
  STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS: flag,
  SKIP_INVENTORY_VALIDATION: flag,
  CRON_SECRET: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_BASE_URL: optionalString.pipe(z.url().optional()),
  /**
   * The Stripe account the apps' keys belong to (`acct_…`): the apps that share
   * an account share its rate budget, whatever key (or restricted key) each uses.
   * Unset: the budget is named by the secret key.
   */
  STRIPE_ACCOUNT_ID: optionalString,
  /** The account's global rate (docs.stripe.com/rate-limits): 25 in a sandbox, 100 in live mode. */
  STRIPE_GLOBAL_RATE_PER_SECOND: z.coerce.number().positive().max(10_000).default(25),
  /** One endpoint's rate (Stripe's default is 25 a second per endpoint, unless Stripe raised it). */
  STRIPE_ENDPOINT_RATE_PER_SECOND: z.coerce.number().positive().max(10_000).default(25),
  /**
   * How long a buyer's checkout request waits for Stripe (a pacing slot,
   * retries) before it answers that the payment page is being prepared.
   */
  STRIPE_CHECKOUT_WAIT_MS: z.coerce.number().int().min(0).max(20_000).default(1500),
  SMTP_HOST: optionalString,
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  SMTP_SECURE: flag,
  SMTP_USER: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_FROM: z.string().default("inventory@example.com"),
  METRICS_TOKEN: optionalString,
});

export type Env = z.infer<typeof envSchema>;

let cached: { source: NodeJS.ProcessEnv; env: Env } | undefined;

/**
 * The validated environment. The only reader of `process.env` in this package.
 * A bad value fails fast with every offending variable named.
 */
export function getEnv(source: NodeJS.ProcessEnv = process.env): Env {
  if (cached && cached.source === source) return cached.env;
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
    throw new InventoryError(
      "misconfigured",
      `Invalid environment: ${errors.map((e) => `${e.field} (${e.message})`).join(", ")}`,
      {
        details: { errors },
      },
    );
  }
  cached = { source, env: parsed.data };
  return parsed.data;
}

/** Forgets the cached environment (tests change `process.env` between cases). */
export function resetEnvCache(): void {
  cached = undefined;
}
