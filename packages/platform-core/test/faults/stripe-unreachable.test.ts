import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { freePort } from "@acme/testkit";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import type Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCheckoutSession, type CheckoutCart } from "../../src/checkout/create-checkout-session.ts";
import { prepareCheckoutSession } from "../../src/checkout/prepare-checkout-session.ts";
import { createPrismaSessionRequestStore } from "../../src/checkout/session-request-store.ts";
import { createDatabaseStripePacer } from "../../src/checkout/stripe-pacer.ts";
import { getEnv } from "../../src/env.ts";
import { createStripeClient, STRIPE_TIMEOUT_MS } from "../../src/checkout/stripe-client.ts";
import { createPrismaHoldStore } from "../../src/holds/prisma-hold-store.ts";
import { createPrismaInventoryStore } from "../../src/inventory/prisma-inventory-store.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { expectPostgresBooksBalance } from "./fault-checks.ts";

// Stripe unreachable or slow while a checkout holds stock: a closed port, a
// server that accepts and never answers, one that sends headers and then
// trickles the body forever, and a Stripe that answers only after the
// client's timeout. Each time the call must come back (bounded by the
// client's timeout and its one retry) with the stock still held and the
// session being prepared; once Stripe answers, the next attempt makes the
// one session under the hold's idempotency key.

const SHOP = "fault-stripe";
const TIMEOUT_MS = 1_000; // the bound under test; production's default is STRIPE_TIMEOUT_MS
const cart: CheckoutCart = { currency: "usd", lines: [{ sku: "TEE", name: "Tee", unitAmount: 2000, quantity: 2 }] };

let db: TestDatabase;
let emulator: StripeEmulator;
let slowEmulator: StripeEmulator;
let blackHole: NetServer;
let trickle: HttpServer;
const sockets = new Set<Socket>();
const connections = { blackHole: 0, trickle: 0 };
const stores = () => ({
  holds: createPrismaHoldStore(db),
  store: createPrismaInventoryStore(db),
  requests: createPrismaSessionRequestStore(db),
  pacer: createDatabaseStripePacer(db, getEnv()),
});

function stripeAt(url: string): Stripe {
  return createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: url }, { timeoutMs: TIMEOUT_MS });
}

function checkout(stripe: Stripe, idempotencyKey: string) {
  return createCheckoutSession(cart, {
    shopId: SHOP,
    inventoryMode: "reserve_ttl",
    successUrl: "http://shop.test/ok",
    cancelUrl: "http://shop.test/cart",
    skipInventoryValidation: false,
    idempotencyKey,
    stripe,
    waitMs: 0,
    ...stores(),
  });
}

async function listen(server: NetServer | HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 10 });
  emulator = await startStripeEmulator({ webhookSecret: "whsec_fault", expirySweepMs: 0 });
  // Answers every API call, but only after three times the client's timeout.
  slowEmulator = await startStripeEmulator({
    webhookSecret: "whsec_fault",
    latencyMs: 3 * TIMEOUT_MS,
    expirySweepMs: 0,
  });
  blackHole = createNetServer((socket) => {
    connections.blackHole += 1;
    sockets.add(socket); // accepted, read, never answered
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  trickle = createHttpServer((_request, response) => {
    connections.trickle += 1;
    response.writeHead(200, { "content-type": "application/json" });
    // Whitespace is valid JSON padding: the body is always "almost there".
    const timer = setInterval(() => response.write(" "), TIMEOUT_MS / 10);
    response.on("close", () => clearInterval(timer));
  });
  trickle.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
  trickle?.closeAllConnections();
  await new Promise((resolve) => trickle?.close(resolve));
  await slowEmulator?.stop();
  await emulator?.stop();
  await db?.destroy();
});

beforeEach(async () => {
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "OpsAlert", "CheckoutSessionRequest" RESTART IDENTITY`,
  );
  await stores().store.upsertItems(SHOP, [{ sku: "TEE", productId: "tee", quantity: 2 }], {
    reason: "import",
    actor: "t",
  });
});

describe("Stripe unreachable or slow during checkout", () => {
  it("configures a bounded timeout and one retry by default", () => {
    const stripe = createStripeClient({
      STRIPE_SECRET_KEY: "sk_test_x",
      STRIPE_API_BASE_URL: undefined,
    }) as unknown as { getApiField(key: string): unknown };
    expect(STRIPE_TIMEOUT_MS).toBe(10_000);
    expect(stripe.getApiField("timeout")).toBe(STRIPE_TIMEOUT_MS);
    expect(stripe.getApiField("maxNetworkRetries")).toBe(1);
  });

  const faults: Array<{ name: string; url: () => Promise<string> }> = [
    { name: "a closed port (connection refused)", url: async () => `http://127.0.0.1:${await freePort()}` },
    { name: "a server that accepts and never answers", url: () => listen(blackHole) },
    { name: "a server that sends headers, then trickles the body forever", url: () => listen(trickle) },
    { name: "Stripe answering only after the client's timeout", url: () => Promise.resolve(slowEmulator.url) },
  ];

  for (const fault of faults) {
    it(`${fault.name}: the call comes back preparing, the stock stays held, and the next attempt makes one session`, async () => {
      const key = `cart-${fault.name.length}`;
      const url = await fault.url();
      const started = Date.now();
      const result = await checkout(stripeAt(url), key);
      // It came back within the client's bound (timeout and one retry), with the hold kept.
      expect(Date.now() - started).toBeLessThan(4 * TIMEOUT_MS);
      expect(result).toMatchObject({ status: "preparing" });

      const { holds, store } = stores();
      const [held] = await holds.listHolds({ shopId: SHOP, now: new Date() });
      expect(held).toMatchObject({ status: "active", idempotencyKey: key, checkoutSessionId: null });
      expect(await store.getItem(SHOP, { sku: "TEE", variantKey: "" })).toMatchObject({ quantity: 2, reserved: 2 });
      await expectPostgresBooksBalance(db, holds, SHOP);

      // The buyer's retry with the same key replays the hold; once Stripe answers, its session is made.
      const replayed = await checkout(stripeAt(url), key);
      expect(replayed.holdId).toBe(result.holdId);
      const prepared = await prepareCheckoutSession({
        shopId: SHOP,
        holdId: result.holdId!,
        budgetMs: 10_000,
        stripe: stripeAt(emulator.url),
        ...stores(),
      });
      expect(prepared.state).toBe("ready");
      const sessions = emulator
        .sessions()
        .filter((session) => session.metadata?.inventory_reservation_id === result.holdId);
      expect(sessions).toHaveLength(1);
      expect(await holds.getHold({ shopId: SHOP, holdId: result.holdId!, now: new Date() })).toMatchObject({
        checkoutSessionId: sessions[0]!.id,
      });
      expect(await store.getItem(SHOP, { sku: "TEE", variantKey: "" })).toMatchObject({ quantity: 2, reserved: 2 });
      await expectPostgresBooksBalance(db, holds, SHOP);
    }, 30_000);
  }

  afterAll(() => {
    console.info(
      `[faults] stripe unreachable: ${JSON.stringify({ timeoutMs: TIMEOUT_MS, connections, slowSessions: slowEmulator?.sessions().length })}`,
    );
  });
});
