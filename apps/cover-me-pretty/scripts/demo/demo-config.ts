import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "node:util";
import { DEMO_SHOP_ID, SECOND_DEMO_SHOP_ID } from "@acme/platform-core/demo";

/** One storefront the demo serves: which app, which shop's stock, where. */
export interface DemoShopApp {
  /** The app's folder name under apps/, also its log prefix. */
  name: string;
  appDir: string;
  shopId: string;
  port: number;
  /** The variable that moves it to another port (named when the port is taken). */
  portVariable: string;
  /** Its public origin, for Stripe's return URLs. */
  publicUrl: string;
  /** What the app gets on top of the shared `env`. */
  env: Record<string, string>;
}

/** Settings the demo passes to its servers, after `.env` and the shell have had their say. */
export interface DemoConfig {
  root: string;
  dataDir: string;
  host: string;
  /** The storefronts, each on its own port; all share the CMS, database, emulator and mail. */
  shops: DemoShopApp[];
  cmsPort: number;
  emulatorPort: number;
  postgresPort: number;
  smtpPort: number;
  /** Every variable every app gets (the library's and the apps' own); a shop's own settings are in its `env`. */
  env: Record<string, string>;
  /** Which variables came from `.env` (printed so the user sees what was used). */
  fromDotEnv: string[];
}

interface DemoSecrets {
  CRON_SECRET: string;
  STRIPE_WEBHOOK_SECRET: string;
  INVENTORY_AUTHORITY_TOKEN: string;
  CMS_SESSION_SECRET: string;
  METRICS_TOKEN: string;
  SHOP_CLIENT_SECRET: string;
}

/**
 * Secrets for a machine with none configured: random, made on the first run
 * and kept beside the demo's database in the git-ignored data folder, so CMS
 * sessions and queued webhooks survive a restart.
 */
async function demoSecrets(dataDir: string): Promise<DemoSecrets> {
  const file = path.join(dataDir, "demo-secrets.json");
  const kept = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as Partial<DemoSecrets>) : {};
  const token = (bytes: number) => randomBytes(bytes).toString("base64url");
  // A secret added since the file was written is made now and kept with the others.
  const secrets: DemoSecrets = {
    CRON_SECRET: kept.CRON_SECRET ?? token(24),
    STRIPE_WEBHOOK_SECRET: kept.STRIPE_WEBHOOK_SECRET ?? `whsec_${token(24)}`,
    INVENTORY_AUTHORITY_TOKEN: kept.INVENTORY_AUTHORITY_TOKEN ?? token(24),
    CMS_SESSION_SECRET: kept.CMS_SESSION_SECRET ?? token(32),
    METRICS_TOKEN: kept.METRICS_TOKEN ?? token(24),
    SHOP_CLIENT_SECRET: kept.SHOP_CLIENT_SECRET ?? token(32),
  };
  if (Object.keys(secrets).every((key) => key in kept)) return secrets;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535)
    throw new Error(`${name} must be a port number, got "${value}"`);
  return parsed;
}

/**
 * Demo defaults, overridden by `.env` at the repository root, overridden in
 * turn by variables set in the shell. Empty values count as unset, as in
 * `.env.template`.
 */
export async function loadDemoConfig(root: string): Promise<DemoConfig> {
  const dotEnvFile = path.join(root, ".env");
  const fromFile = existsSync(dotEnvFile) ? parseEnv(await readFile(dotEnvFile, "utf8")) : {};
  const set = (source: Record<string, string | undefined>) =>
    Object.fromEntries(
      Object.entries(source).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== "",
      ),
    );
  // SHOP_ID and SHOP_PUBLIC_URL name one storefront's settings (cover-me-pretty's): not every app's.
  const { SHOP_ID, SHOP_PUBLIC_URL, ...given } = { ...set(fromFile), ...set(process.env) };
  const dataDir = path.resolve(root, given.DEMO_DATA_DIR ?? ".data");
  const secrets = await demoSecrets(dataDir);
  const host = given.DEMO_HOST ?? "127.0.0.1";
  const cmsPort = port(given.CMS_PORT, 3001, "CMS_PORT");
  const shop = (options: {
    name: string;
    shopId: string;
    port: number;
    portVariable: string;
    publicUrl: string | undefined;
  }): DemoShopApp => {
    const publicUrl = options.publicUrl ?? `http://${host}:${options.port}`;
    return {
      ...options,
      appDir: path.join(root, "apps", options.name),
      publicUrl,
      env: { SHOP_ID: options.shopId, SHOP_PUBLIC_URL: publicUrl },
    };
  };
  const shops = [
    shop({
      name: "cover-me-pretty",
      shopId: SHOP_ID ?? DEMO_SHOP_ID,
      port: port(given.SHOP_PORT, 3000, "SHOP_PORT"),
      portVariable: "SHOP_PORT",
      publicUrl: SHOP_PUBLIC_URL,
    }),
    shop({
      name: "bcd-shop",
      shopId: SECOND_DEMO_SHOP_ID,
      port: port(given.BCD_SHOP_PORT, 3002, "BCD_SHOP_PORT"),
      portVariable: "BCD_SHOP_PORT",
      publicUrl: given.BCD_SHOP_PUBLIC_URL,
    }),
  ];
  const env: Record<string, string> = {
    INVENTORY_BACKEND: "prisma",
    INVENTORY_MODE: "reserve_ttl",
    INVENTORY_HOLD_TTL_SECONDS: "1200",
    STOCK_ALERT_RECIPIENT: "ops@acme.test",
    SMTP_FROM: "inventory@acme.test",
    ...secrets,
    ...given,
    INVENTORY_AUTHORITY_URL: given.INVENTORY_AUTHORITY_URL ?? `http://${host}:${cmsPort}/api/inventory`,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  return {
    root,
    dataDir,
    host,
    shops,
    cmsPort,
    emulatorPort: port(given.STRIPE_EMULATOR_PORT, 12111, "STRIPE_EMULATOR_PORT"),
    postgresPort: port(given.DEMO_POSTGRES_PORT, 54329, "DEMO_POSTGRES_PORT"),
    smtpPort: port(given.SMTP_PORT, 1025, "SMTP_PORT"),
    env,
    fromDotEnv: Object.keys(set(fromFile)).sort(),
  };
}
