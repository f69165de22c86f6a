// Starts the Stripe emulator for the demo: `pnpm --filter @acme/stripe-emulator start`
// (or `tsx src/cli.ts`), configured by STRIPE_EMULATOR_* and STRIPE_WEBHOOK_SECRET.
import { getEmulatorEnv, limitsFromEnv, type EmulatorEnv } from "./emulator-env.ts";
import { DEMO_COUPONS } from "./discounts/seed-coupons.ts";
import { startStripeEmulator } from "./start-stripe-emulator.ts";

let env: EmulatorEnv;
try {
  env = getEmulatorEnv();
} catch (error) {
  console.error(`[stripe-emulator] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const limits = limitsFromEnv(env);
const emulator = await startStripeEmulator({
  limits,
  // Promotion code FREE100 (100% off) for sessions created with allow_promotion_codes.
  coupons: DEMO_COUPONS,
  port: env.STRIPE_EMULATOR_PORT,
  host: env.STRIPE_EMULATOR_HOST,
  webhookSecret: env.STRIPE_WEBHOOK_SECRET,
  ...(env.STRIPE_EMULATOR_WEBHOOK_URL === undefined ? {} : { webhookUrl: env.STRIPE_EMULATOR_WEBHOOK_URL }),
  ...(env.STRIPE_EMULATOR_PUBLIC_URL === undefined ? {} : { publicUrl: env.STRIPE_EMULATOR_PUBLIC_URL }),
  retry: {
    attempts: env.STRIPE_EMULATOR_RETRY_ATTEMPTS,
    initialDelayMs: env.STRIPE_EMULATOR_RETRY_DELAY_MS,
    maxDelayMs: 30_000,
  },
  log: (line) => console.log(`[stripe-emulator] ${line}`),
});
console.log(
  limits === false
    ? "[stripe-emulator] rate limits: off"
    : `[stripe-emulator] rate limits: ${env.STRIPE_EMULATOR_LIMITS} (${limits.globalPerSecond}/s global, ${limits.endpointPerSecond}/s per endpoint, ${limits.concurrency} in flight)`,
);
// Machine-readable line: the demo (and the CLI test) read the URL from here.
console.log(`STRIPE_API_BASE_URL=${emulator.url}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void emulator.stop().then(() => process.exit(0));
  });
}
