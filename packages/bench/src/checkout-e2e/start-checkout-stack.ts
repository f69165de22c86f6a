import { randomBytes } from "node:crypto";
import { DEMO_SHOP_ID } from "@acme/platform-core/demo";
import { startStripeEmulator, STRIPE_LIVE_LIMITS, type StripeEmulator } from "@acme/stripe-emulator";
import { freePort, startNextApp, type RunningNextApp } from "@acme/testkit";
import { CHECKOUT_APPS } from "./ensure-app-builds.ts";

/**
 * The platform's pacing of Stripe calls, given to the shop and the CMS: live mode's account-wide and per-endpoint
 * rates.
 */
export const STRIPE_GLOBAL_RATE_PER_SECOND = 100;
export const STRIPE_ENDPOINT_RATE_PER_SECOND = 25;
/** The header the shop reads each buyer's address from (as behind a proxy that sets it). */
export const CLIENT_IP_HEADER = "x-real-ip";

export interface CheckoutStack {
  emulator: StripeEmulator;
  shop: RunningNextApp;
  cms: RunningNextApp;
  shopId: string;
  cronSecret: string;
  /** A function, not a method: it is handed on unbound (`onStop(stack.stop)`). */
  stop: () => Promise<void>;
}

/**
 * The real stack of apps/cover-me-pretty/test/e2e/stripe-limits.test.ts: the
 * Stripe emulator at live mode's limits (100/s in all, 25/s per endpoint),
 * sending signed webhooks to the CMS, and the shop and the CMS as production
 * builds (`next start`) on the given database, both pacing their Stripe calls
 * at those rates. The shop holds stock (`reserve_ttl`) and counts its caps
 * per client address from `x-real-ip`.
 */
export async function startCheckoutStack(options: { databaseUrl: string }): Promise<CheckoutStack> {
  const webhookSecret = `whsec_${randomBytes(12).toString("hex")}`;
  const cronSecret = randomBytes(16).toString("hex");
  const cmsPort = await freePort();
  const emulator = await startStripeEmulator({
    webhookSecret,
    webhookUrl: `http://127.0.0.1:${cmsPort}/api/stripe/webhook`,
    // Sessions live 30 minutes or more: nothing expires by itself during the phase.
    expirySweepMs: 0,
    limits: STRIPE_LIVE_LIMITS,
  });
  const common = {
    DATABASE_URL: options.databaseUrl,
    INVENTORY_BACKEND: "prisma",
    STRIPE_API_BASE_URL: emulator.url,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_GLOBAL_RATE_PER_SECOND: String(STRIPE_GLOBAL_RATE_PER_SECOND),
    STRIPE_ENDPOINT_RATE_PER_SECOND: String(STRIPE_ENDPOINT_RATE_PER_SECOND),
  };
  const [cmsApp, shopApp] = CHECKOUT_APPS;
  const started = await Promise.allSettled([
    startNextApp({
      appDir: cmsApp.dir,
      port: cmsPort,
      env: {
        ...common,
        CRON_SECRET: cronSecret,
        INVENTORY_AUTHORITY_TOKEN: randomBytes(12).toString("hex"),
        CMS_SESSION_SECRET: randomBytes(32).toString("hex"),
      },
    }),
    startNextApp({
      appDir: shopApp.dir,
      env: {
        ...common,
        SHOP_ID: DEMO_SHOP_ID,
        SHOP_CLIENT_SECRET: randomBytes(32).toString("hex"),
        SHOP_CLIENT_IP_HEADER: CLIENT_IP_HEADER,
        INVENTORY_MODE: "reserve_ttl",
      },
    }),
  ]);
  const apps = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await emulator.stop();
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [cms, shop] = apps as [RunningNextApp, RunningNextApp];
  return { emulator, shop, cms, shopId: DEMO_SHOP_ID, cronSecret, stop };
}
