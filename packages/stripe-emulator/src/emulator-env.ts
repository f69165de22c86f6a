import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const envSchema = z.object({
  /** Port of the emulator (API and hosted pages). */
  STRIPE_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(12111),
  STRIPE_EMULATOR_HOST: z.string().min(1).default("127.0.0.1"),
  /** Base URL browsers reach the hosted pages at, when not `http://<host>:<port>`. */
  STRIPE_EMULATOR_PUBLIC_URL: optionalString.pipe(z.url().optional()),
  /** The endpoint secret webhooks are signed with; the receiver must use the same value. */
  STRIPE_WEBHOOK_SECRET: z.string().trim().min(1, "is required"),
  /** Where events are POSTed (e.g. the CMS webhook route). Empty: events are only recorded. */
  STRIPE_EMULATOR_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  /** Webhook attempts per event; the demo's receiver may start after the emulator, so retries last longer than in tests. */
  STRIPE_EMULATOR_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  STRIPE_EMULATOR_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(500),
});

export type EmulatorEnv = z.infer<typeof envSchema>;

/** The emulator CLI's validated environment: the only reader of `process.env` in this package. */
export function getEmulatorEnv(source: NodeJS.ProcessEnv = process.env): EmulatorEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} (${issue.message})`);
    throw new Error(`Invalid environment for the Stripe emulator: ${problems.join(", ")}`);
  }
  return parsed.data;
}
