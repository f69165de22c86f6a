import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serveFetchHandler, startSmtpSink, type ServedFetchHandler, type SmtpSink } from "@acme/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ALERT_SIGNATURE_HEADER, verifyAlertWebhookSignature } from "../src/alerts/alert-webhook-signature.ts";
import { flushStockAlerts } from "../src/alerts/stock-alerts.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/**
 * The 24 h cooldown is claimed in the database, so it holds across OS
 * processes, not just across pools of one process: two processes crossing
 * the same variant's threshold over and over, each draining its own
 * crossings in the background, deliver one email and one signed webhook.
 */

const worker = fileURLToPath(new URL("./fixtures/stock-alert-race-worker.ts", import.meta.url));
const SECRET = "whsec_process_race";
const SHOP = "alerts-processes";
const THRESHOLD = 3;

let db: TestDatabase;
let smtp: SmtpSink;
let receiver: ServedFetchHandler;
const hooks: Array<{ body: string; signed: boolean; alertId: string | null }> = [];

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  smtp = await startSmtpSink();
  receiver = await serveFetchHandler(async (request) => {
    const body = await request.text();
    hooks.push({
      body,
      signed: verifyAlertWebhookSignature({
        body,
        header: request.headers.get(ALERT_SIGNATURE_HEADER),
        secret: SECRET,
      }),
      alertId: request.headers.get("x-acme-alert-id"),
    });
    return new Response(null, { status: 204 });
  });
});

afterAll(async () => {
  await smtp?.stop();
  await receiver?.stop();
  await db?.destroy();
});

function startWorker(rounds: number) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", worker, JSON.stringify({ databaseUrl: db.url, shopId: SHOP, sku: "MUG", rounds })],
    {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "test",
        DATABASE_URL: db.url,
        INVENTORY_BACKEND: "prisma",
        SMTP_HOST: "127.0.0.1",
        SMTP_PORT: String(smtp.port),
        SMTP_FROM: "inventory@example.com",
        STOCK_ALERT_RECIPIENT: "ops@example.com",
        STOCK_ALERT_WEBHOOK_URLS: `${receiver.url}/alerts`,
        ALERT_WEBHOOK_SECRET: SECRET,
      },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let output = "";
  let errors = "";
  child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code} before it was ready:\n${errors}`)));
  });
  const done = new Promise<{ held: number; refused: number }>((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`worker exited with ${code}:\n${errors}`));
      resolve(JSON.parse(output.trim().split("\n").pop()!) as { held: number; refused: number });
    });
  });
  return { child, ready, done };
}

it("two OS processes crossing one variant's threshold at once send exactly one email and one signed webhook", async () => {
  // Available 4, threshold 3: each take (4 -> 3) crosses, each give-back un-crosses. A back room that does not sell
  // online keeps 10 more, which buyers never see.
  await createPrismaLocationStore(db).createLocation({
    shopId: SHOP,
    code: "back-room",
    name: "Back room",
    fulfilsOnline: false,
    actor: "test",
  });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [
      {
        sku: "MUG",
        productId: "mug",
        productTitle: "Enamel mug",
        quantity: THRESHOLD + 1,
        lowStockThreshold: THRESHOLD,
      },
      { sku: "MUG", productId: "mug", location: "back-room", quantity: 10 },
    ],
    {
      reason: "import",
      actor: "test",
    },
  );
  await flushStockAlerts();

  const workers = [startWorker(25), startWorker(25)];
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin.write("go\n");
    const summaries = await Promise.all(workers.map((w) => w.done));
    for (const summary of summaries) expect(summary.held).toBeGreaterThan(0);
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  }

  // Both processes have exited after awaiting their deliveries: nothing is left in flight.
  const { rows: crossings } = await db.pool.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM "StockAlertCrossing" WHERE "shopId" = $1 GROUP BY status ORDER BY status`,
    [SHOP],
  );
  const byStatus = Object.fromEntries(crossings.map((row) => [row.status, row.n]));
  expect(byStatus.sent).toBe(1);
  expect(byStatus.suppressed).toBeGreaterThanOrEqual(1); // a race really happened: later crossings met the cooldown
  expect(Object.keys(byStatus).sort()).toEqual(["sent", "suppressed"]);

  expect(smtp.messages).toHaveLength(1);
  expect(smtp.messages[0]!.to).toEqual(["ops@example.com"]);
  expect(smtp.messages[0]!.raw).toContain(`Low stock: Enamel mug (MUG) has ${THRESHOLD} left in ${SHOP}`);

  expect(hooks).toHaveLength(1);
  expect(hooks[0]!.signed).toBe(true);
  expect(hooks[0]!.alertId).toMatch(/^stock:\d+$/);
  const body = JSON.parse(hooks[0]!.body) as { locations: Array<{ code: string; available: number; low: boolean }> };
  // In the shop's location order: priority (both 100), then code. Each location as it is when the alert goes out:
  // main's 4 less the units the two processes hold by then (one each at most).
  const main = body.locations.find((location) => location.code === "main")!;
  expect([THRESHOLD - 1, THRESHOLD, THRESHOLD + 1]).toContain(main.available);
  expect(body.locations).toEqual([
    { code: "back-room", name: "Back room", available: 10, low: false, online: false },
    { code: "main", name: "Main warehouse", available: main.available, low: main.available <= THRESHOLD, online: true },
  ]);
  expect(body).toMatchObject({
    type: "stock.low",
    shopId: SHOP,
    sku: "MUG",
    productId: "mug",
    productTitle: "Enamel mug",
    variantTitle: "",
    available: THRESHOLD,
    threshold: THRESHOLD,
  });

  const { rows: deliveries } = await db.pool.query<{ channel: string; outcome: string }>(
    `SELECT channel, outcome FROM "AlertDelivery" WHERE source = 'stock' ORDER BY channel`,
  );
  expect(deliveries).toEqual([
    { channel: "email", outcome: "sent" },
    { channel: "webhook", outcome: "sent" },
  ]);
  const state = await db.pool.query(`SELECT "lastAvailable" FROM "StockAlertState" WHERE "shopId" = $1`, [SHOP]);
  expect(state.rows).toEqual([{ lastAvailable: THRESHOLD }]);
}, 30_000);
