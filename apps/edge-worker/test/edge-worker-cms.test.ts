import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createPrismaInventoryStore } from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { serveFetchHandler, startNextApp, type RunningNextApp, type ServedFetchHandler } from "@acme/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEdgeWorker } from "../src/index.ts";

// The worker against the real CMS production build's POST /api/inventory/validate.

const CMS_DIR = fileURLToPath(new URL("../../cms", import.meta.url));
const TOKEN = `authority-${randomBytes(12).toString("hex")}`;
const SHOP = "edge-cms-shop";

let db: TestDatabase;
let cms: RunningNextApp;
let origin: ServedFetchHandler;
let forwarded = 0;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [{ sku: "HAT", productId: "hat", variantAttributes: { color: "Red" }, quantity: 2 }],
    { reason: "import", actor: "test" },
  );
  [cms, origin] = await Promise.all([
    startNextApp({
      appDir: CMS_DIR,
      env: {
        DATABASE_URL: db.url,
        INVENTORY_AUTHORITY_TOKEN: TOKEN,
        CMS_SESSION_SECRET: randomBytes(32).toString("hex"),
        CRON_SECRET: randomBytes(12).toString("hex"),
        STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(12).toString("hex")}`,
      },
    }),
    serveFetchHandler(() => {
      forwarded++;
      return Response.json({ url: "https://checkout.example/s" });
    }),
  ]);
});

afterAll(async () => {
  await origin?.stop();
  await cms?.stop();
  await db?.destroy();
});

it("admits, refuses and fails closed against the CMS authority", async () => {
  const worker = createEdgeWorker({
    authority: {
      baseUrl: `${cms.url}/api/inventory`,
      token: TOKEN,
      shopId: SHOP,
      attempts: 2,
      backoffMs: 5,
      timeoutMs: 10_000,
    },
    checkoutOrigin: origin.url,
  });
  const checkout = (quantity: number) =>
    worker.fetch(
      new Request("https://edge.example/checkout", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ lines: [{ sku: "HAT", variantAttributes: { color: "red" }, quantity }] }),
      }),
    );

  const admitted = await checkout(2);
  expect(admitted.status).toBe(200);
  expect(forwarded).toBe(1);

  const refused = await checkout(3);
  expect(refused.status).toBe(409);
  expect(((await refused.json()) as { items: unknown[] }).items).toEqual([
    { sku: "HAT", variantKey: "color=red", requested: 3, available: 2 },
  ]);

  // A worker with a wrong token is refused by the CMS and fails closed.
  const wrongToken = createEdgeWorker({
    authority: { baseUrl: `${cms.url}/api/inventory`, token: "not-the-token", shopId: SHOP, attempts: 1 },
    checkoutOrigin: origin.url,
  });
  const unauthorised = await wrongToken.fetch(
    new Request("https://edge.example/checkout", {
      method: "POST",
      body: JSON.stringify({ lines: [{ sku: "HAT", quantity: 1 }] }),
    }),
  );
  expect(unauthorised.status).toBe(503);

  // The CMS goes away: the worker refuses rather than guess.
  await cms.stop();
  const down = await checkout(1);
  expect(down.status).toBe(503);
  expect(forwarded).toBe(1);
});
