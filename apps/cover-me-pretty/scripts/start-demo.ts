// `pnpm start`: the whole platform on one machine. Embedded PostgreSQL (data
// kept in .data/), migrations, demo seed, a Stripe emulator, an SMTP sink,
// the CMS and the shops (cover-me-pretty, bcd-shop) as production builds, and
// the reaper cron every 30 s.
// `.env` settings (DATABASE_URL, Stripe keys, SMTP) replace the local stand-ins.
// `--seed-only` (pnpm demo:seed) migrates and seeds, then exits.
import { fileURLToPath } from "node:url";
import path from "node:path";
import {
  applyMigrations,
  closeDatabase,
  createDatabase,
  createPrismaInventoryStore,
  resetEnvCache,
} from "@acme/platform-core";
import { DEMO_OPERATOR, DEMO_SHOP_ID, SECOND_DEMO_SHOP_ID, seedDemo } from "@acme/platform-core/demo";
import { DEMO_COUPONS, startStripeEmulator } from "@acme/stripe-emulator";
import { randomBytes } from "node:crypto";
import {
  postgresDataDir,
  startEmbeddedPostgres,
  startNextApp,
  startSmtpSink,
  type ReceivedMail,
  type RunningNextApp,
  type RunningPostgres,
} from "@acme/testkit";
import { buildIfStale } from "./demo/build-if-stale.ts";
import { loadDemoConfig } from "./demo/demo-config.ts";
import { portInUse } from "./demo/port-in-use.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const seedOnly = process.argv.includes("--seed-only");
const say = (line: string) => console.log(`[demo] ${line}`);

const stops: Array<{ name: string; stop: () => Promise<unknown> | void }> = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  say("stopping...");
  for (const { name, stop } of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      console.error(`[demo] ${name} did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  say("stopped");
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));
// The terminal may close before the goodbye lines: losing them must not cut the shutdown short.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

/** Creates the demo database on the embedded server unless an earlier run did. */
async function ensureDatabase(server: RunningPostgres, name: string): Promise<void> {
  try {
    await server.createDatabase(name);
  } catch (error) {
    if ((error as { code?: string }).code !== "42P04") throw error; // duplicate_database
  }
}

async function main(): Promise<void> {
  const config = await loadDemoConfig(root);
  const { env, host } = config;
  if (config.fromDotEnv.length) say(`using .env: ${config.fromDotEnv.join(", ")}`);

  const cmsDir = path.join(root, "apps", "cms");
  if (!seedOnly) {
    // Before anything starts: a failing build should not leave servers behind.
    await buildIfStale({ root, appDir: cmsDir, name: "cms", log: say });
    for (const shop of config.shops) await buildIfStale({ root, appDir: shop.appDir, name: shop.name, log: say });
  }

  // PostgreSQL: DATABASE_URL when given, else the embedded server on .data/postgres.
  // On a database of your own the demo operator gets a random password,
  // printed once, never the published one.
  const ownDatabase = Boolean(env.DATABASE_URL);
  let operatorPassword: string = DEMO_OPERATOR.password;
  if (!env.DATABASE_URL) {
    // As root in a private folder (mode 0700) the postgres user cannot enter .data/: the data then lives under
    // /var/tmp.
    const postgresDir = postgresDataDir(path.join(config.dataDir, "postgres"));
    say(
      `starting embedded PostgreSQL (data in ${path.relative(root, postgresDir).startsWith("..") ? postgresDir : path.relative(root, postgresDir)})`,
    );
    let server: RunningPostgres;
    try {
      server = await startEmbeddedPostgres({ dataDir: postgresDir, port: config.postgresPort });
    } catch (error) {
      throw new Error(
        `embedded PostgreSQL did not start on port ${config.postgresPort} (set DEMO_POSTGRES_PORT, or DATABASE_URL to use your own): ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    stops.push({ name: "postgres", stop: () => server.stop() });
    await ensureDatabase(server, "acme_demo");
    env.DATABASE_URL = server.url("acme_demo");
  }
  // The library reads its settings from process.env (getEnv): give it the demo's.
  Object.assign(process.env, env);
  resetEnvCache();

  const migrated = await applyMigrations({ databaseUrl: env.DATABASE_URL });
  say(`migrations: ${migrated.applied.length ? `applied ${migrated.applied.join(", ")}` : "up to date"}`);
  const database = createDatabase({ url: env.DATABASE_URL, poolSize: 2 });
  try {
    if (ownDatabase) operatorPassword = randomBytes(12).toString("base64url");
    const seeded = await seedDemo({
      store: createPrismaInventoryStore(database),
      database,
      operatorPassword,
      log: say,
    });
    if (ownDatabase && !seeded.operatorCreated) operatorPassword = "(unchanged: the account already existed)";
    if (seeded.keptShops.length) say(`kept existing stock of ${seeded.keptShops.join(", ")}`);
  } finally {
    await database.close();
    await closeDatabase();
  }
  if (seedOnly) return shutdown(0);

  // Mail: the configured SMTP server, else a sink that prints what it receives.
  const smtpIsLocal = !env.SMTP_HOST || ["localhost", "127.0.0.1", "::1"].includes(env.SMTP_HOST);
  if (smtpIsLocal) {
    // Something already listening there (MailHog, an earlier sink) gets the mail instead.
    if (!(await portInUse("127.0.0.1", config.smtpPort))) {
      const sink = await startSmtpSink({ host: "127.0.0.1", port: config.smtpPort, onMessage: printMail });
      stops.push({ name: "smtp sink", stop: () => sink.stop() });
    }
    env.SMTP_HOST = "127.0.0.1";
    env.SMTP_PORT = String(config.smtpPort);
  }

  // Stripe: the real one with STRIPE_SECRET_KEY, else the local emulator. Either way one
  // webhook endpoint, the CMS's, serves every shop: each session names its shop in its metadata.
  const cmsUrl = `http://${host}:${config.cmsPort}`;
  let stripeLine: string;
  if (env.STRIPE_SECRET_KEY) {
    stripeLine = `Stripe          your account (${env.STRIPE_SECRET_KEY.slice(0, 8)}...); forward webhooks to ${cmsUrl}/api/stripe/webhook`;
  } else {
    const emulator = await startStripeEmulator({
      host,
      port: config.emulatorPort,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET!,
      webhookUrl: `${cmsUrl}/api/stripe/webhook`,
      retry: { attempts: 8, initialDelayMs: 500, maxDelayMs: 30_000 },
      coupons: DEMO_COUPONS,
      log: (line) => console.log(`[stripe] ${line}`),
    });
    stops.push({ name: "stripe emulator", stop: () => emulator.stop() });
    env.STRIPE_API_BASE_URL = emulator.url;
    // Holds in the CMS link to the emulator's page of their session.
    env.CMS_STRIPE_SESSION_URL ??= `${emulator.url}/checkout/{id}`;
    // The emulator knows the promotion code FREE100 (100% off): a no-cost order, sold like a paid one.
    env.SHOP_ALLOW_PROMOTION_CODES ??= "1";
    stripeLine = `Stripe          ${emulator.url}  (emulator: every checkout session, pay or cancel; code FREE100 is 100% off)`;
  }

  const apps: RunningNextApp[] = [];
  for (const { name, appDir, port, portVariable, env: own } of [
    { name: "cms", appDir: cmsDir, port: config.cmsPort, portVariable: "CMS_PORT", env: {} },
    ...config.shops,
  ]) {
    if (await portInUse(host, port)) {
      throw new Error(
        `port ${port} is already in use: stop whatever runs there or pick another port (${portVariable})`,
      );
    }
    const app = await startNextApp({
      appDir,
      host,
      port,
      readyTimeoutMs: 60_000,
      // Each shop's own SHOP_ID and SHOP_PUBLIC_URL (its Stripe return URLs) over the shared settings.
      env: { ...env, ...own },
      onOutput: (line, stream) => (stream === "stderr" ? console.error : console.log)(`[${name}] ${line}`),
    });
    stops.push({ name, stop: () => app.stop() });
    apps.push(app);
    void app.exited.then(({ code, signal }) => {
      if (stopping) return;
      // A signal to the whole process group (a supervisor's SIGTERM) reaches the apps too.
      const asked = signal !== null || code === 0;
      if (asked) say(`${name} stopped (${signal ?? "exit 0"}); stopping everything`);
      else console.error(`[demo] ${name} exited unexpectedly (exit ${code}); stopping everything`);
      void shutdown(asked ? 0 : 1);
    });
  }

  // Like Vercel cron, but every 30 s: release expired holds through the CMS.
  const reap = async () => {
    try {
      const response = await fetch(`${cmsUrl}/api/cron/release-expired-holds`, {
        headers: { authorization: `Bearer ${env.CRON_SECRET}` },
        signal: AbortSignal.timeout(20_000),
      });
      const body = (await response.json().catch(() => ({}))) as { released?: number };
      if (!response.ok) console.error(`[reaper] the CMS answered ${response.status}`);
      else if (body.released) say(`reaper released ${body.released} expired hold(s)`);
    } catch (error) {
      console.error(`[reaper] ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const timer = setInterval(() => void reap(), 30_000);
  stops.push({ name: "reaper", stop: () => clearInterval(timer) });
  void reap();

  const lines = [
    "",
    "  Acme inventory demo is running",
    "",
    ...config.shops.map((shop) => {
      const local = `http://${host}:${shop.port}`;
      return `  ${shop.name.padEnd(16)}${local}   (shop ${shop.shopId}${shop.publicUrl === local ? "" : `; public URL ${shop.publicUrl}`})`;
    }),
    `  CMS             ${cmsUrl}/login`,
    `                  sign in: ${DEMO_OPERATOR.email} / ${operatorPassword}  (admin of ${DEMO_SHOP_ID}, ${SECOND_DEMO_SHOP_ID})`,
    `  ${stripeLine}`,
    `  Mail            ${env.SMTP_HOST}:${env.SMTP_PORT}${smtpIsLocal ? " (printed below as [mail])" : ""}`,
    // The embedded server's login is the demo's own (postgres/postgres); a DATABASE_URL of yours keeps its secret.
    ownDatabase
      ? `  Database        ${env.DATABASE_URL.replace(/\/\/[^@]*@/, "//")}  (credentials as in your DATABASE_URL)`
      : `  Database        ${env.DATABASE_URL}`,
    "  Reaper          every 30 s",
    "",
    "  Ctrl-C stops everything.",
    "",
  ];
  console.log(lines.join("\n"));
}

main().catch(async (error: unknown) => {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});

/** Prints an alert email the demo's SMTP sink received: who it is for, the subject and the start of the body. */
function printMail(mail: ReceivedMail): void {
  const headerEnd = mail.raw.indexOf("\r\n\r\n");
  const headers = headerEnd >= 0 ? mail.raw.slice(0, headerEnd) : mail.raw;
  const subject = /^subject: (.*)$/im.exec(headers)?.[1] ?? "(no subject)";
  const body = headerEnd >= 0 ? mail.raw.slice(headerEnd + 4).trim() : "";
  console.log(`[mail] mail to ${mail.to.join(", ")}: ${subject}`);
  for (const line of body.split(/\r?\n/).slice(0, 20)) console.log(`[mail]   ${line}`);
}
