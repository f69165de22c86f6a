import { z } from "zod";
import { STRIPE_LIVE_LIMITS, STRIPE_SANDBOX_LIMITS, type StripeLimits } from "./limits/stripe-limits.ts";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const optionalPositiveInt = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : Number(value.trim())))
  .pipe(z.number().int().min(1).optional());

const envSchema = z
  .object({
    /** Port of the emulator (API and hosted pages). */
    STRIPE_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(12111),
    STRIPE_EMULATOR_HOST: z.string().min(1).default("127.0.0.1"),
    /** Base URL browsers reach the hosted pages at, when not `http://<host>:<port>`. */
    STRIPE_EMULATOR_PUBLIC_URL: optionalString.pipe(z.url().optional()),
    /** The endpoint secret webhooks are signed with; the receiver must use the same value. */
    STRIPE_WEBHOOK_SECRET: z.string().trim().min(1, "is required"),
    /** Where events are POSTed (e.g. the CMS webhook route). Empty: events are only recorded. */
    STRIPE_EMULATOR_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
    /**
     * Webhook attempts per event; the demo's receiver may start after the emulator, so retries last longer than in
     * tests.
     */
    STRIPE_EMULATOR_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
    STRIPE_EMULATOR_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(500),
    /** Stripe's rate limits: the sandbox's (default), live mode's, or none. */
    STRIPE_EMULATOR_LIMITS: z.enum(["sandbox", "live", "off"]).default("sandbox"),
    /** Overrides of the chosen preset (requests per second; requests in flight). */
    STRIPE_EMULATOR_GLOBAL_PER_SECOND: optionalPositiveInt,
    STRIPE_EMULATOR_ENDPOINT_PER_SECOND: optionalPositiveInt,
    STRIPE_EMULATOR_CONCURRENCY: optionalPositiveInt,
  })
  .superRefine((env, context) => {
    if (env.STRIPE_EMULATOR_LIMITS !== "off") return;
    for (const key of [
      "STRIPE_EMULATOR_GLOBAL_PER_SECOND",
      "STRIPE_EMULATOR_ENDPOINT_PER_SECOND",
      "STRIPE_EMULATOR_CONCURRENCY",
    ] as const) {
      if (env[key] !== undefined)
        context.addIssue({ code: "custom", path: [key], message: "has no effect with STRIPE_EMULATOR_LIMITS=off" });
    }
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

/** The limits the CLI starts the emulator with: the preset named, with any overrides. */
export function limitsFromEnv(env: EmulatorEnv): StripeLimits | false {
  if (env.STRIPE_EMULATOR_LIMITS === "off") return false;
  const preset = env.STRIPE_EMULATOR_LIMITS === "live" ? STRIPE_LIVE_LIMITS : STRIPE_SANDBOX_LIMITS;
  return {
    globalPerSecond: env.STRIPE_EMULATOR_GLOBAL_PER_SECOND ?? preset.globalPerSecond,
    endpointPerSecond: env.STRIPE_EMULATOR_ENDPOINT_PER_SECOND ?? preset.endpointPerSecond,
    concurrency: env.STRIPE_EMULATOR_CONCURRENCY ?? preset.concurrency,
  };
}
