// The real stack the shop's API-level end-to-end tests run on: a fresh
// database with the demo seeded, the Stripe emulator, and the CMS and the
// shop as production builds, wired together (the emulator's webhooks go to
// the CMS). The shop sees each client's address in x-real-ip.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  createPrismaHoldStore,
  createPrismaInventoryStore,
  type HoldStore,
  type InventoryStore,
} from "@acme/platform-core";
import { seedDemo, DEMO_SHOP_ID } from "@acme/platform-core/demo";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from "@acme/stripe-emulator";
import { freePort, startNextApp, type RunningNextApp } from "@acme/testkit";

export const SHOP_DIR = fileURLToPath(new URL("../..", import.meta.url));
const CMS_DIR = fileURLToPath(new URL("../../../cms", import.meta.url));

export interface ShopStack {
  db: TestDatabase;
  store: InventoryStore;
  holds: HoldStore;
  emulator: StripeEmulator;
  cms: RunningNextApp;
  shop: RunningNextApp;
  cronSecret: string;
  /** The shop's environment, with `extra` on top: for a second shop process with other settings. */
  shopEnv(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

export async function startShopStack(options: {
  emulator?: Omit<StripeEmulatorOptions, "webhookSecret" | "webhookUrl">;
  shopEnv?: Record<string, string>;
  /** More settings for the CMS process (e.g. STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS for a loopback subscriber). */
  cmsEnv?: Record<string, string>;
}): Promise<ShopStack> {
  const db = await createTestDatabase({ poolSize: 4 });
  const store = createPrismaInventoryStore(db);
  const holds = createPrismaHoldStore(db);
  await seedDemo({ store, database: db });
  const webhook = `whsec_${randomBytes(12).toString("hex")}`;
  const cmsPort = await freePort();
  const cronSecret = randomBytes(12).toString("hex");
  const emulator = await startStripeEmulator({
    webhookSecret: webhook,
    webhookUrl: `http://127.0.0.1:${cmsPort}/api/stripe/webhook`,
    expirySweepMs: 0,
    ...options.emulator,
  });
  const common = {
    DATABASE_URL: db.url,
    INVENTORY_BACKEND: "prisma",
    STRIPE_API_BASE_URL: emulator.url,
    STRIPE_WEBHOOK_SECRET: webhook,
  };
  const shopSecret = randomBytes(32).toString("hex");
  const shopEnv = (extra: Record<string, string> = {}) => ({
    ...common,
    SHOP_ID: DEMO_SHOP_ID,
    SHOP_CLIENT_SECRET: shopSecret,
    SHOP_CLIENT_IP_HEADER: "x-real-ip",
    INVENTORY_MODE: "reserve_ttl",
    ...options.shopEnv,
    ...extra,
  });
  const [cms, shop] = await Promise.all([
    startNextApp({
      appDir: CMS_DIR,
      port: cmsPort,
      env: {
        ...common,
        CRON_SECRET: cronSecret,
        INVENTORY_AUTHORITY_TOKEN: randomBytes(12).toString("hex"),
        CMS_SESSION_SECRET: randomBytes(32).toString("hex"),
        ...options.cmsEnv,
      },
    }),
    startNextApp({ appDir: SHOP_DIR, env: shopEnv() }),
  ]);
  return {
    db,
    store,
    holds,
    emulator,
    cms,
    shop,
    cronSecret,
    shopEnv,
    async stop() {
      await Promise.all([shop.stop(), cms.stop()]);
      await emulator.stop();
      await db.destroy();
    },
  };
}
