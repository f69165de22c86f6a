import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../src/db/prisma-client.ts";
import { resetEnvCache } from "../src/env.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { handleCheckoutLinkRequest } from "../src/storefront/handle-checkout-link-request.ts";
import { handleCheckoutSessionRequest } from "../src/storefront/handle-checkout-session-request.ts";
import { resetStorefrontEnvCache } from "../src/storefront/storefront-env.ts";
import type { Storefront } from "../src/storefront/storefront-types.ts";
import { variantKey } from "../src/variants/variant-key.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// The library's storefront route handlers as a shop's route files call them,
// with the stores, pacer and Stripe client the environment names: real
// PostgreSQL, the official Stripe SDK against the emulator.

const SHOP = "storefront-shop";
const storefront: Storefront = {
  shopId: SHOP,
  catalogue: {
    currency: "eur",
    product: (productId) =>
      ({ mug: { name: "Enamel mug", unitAmount: 1800 }, tee: { name: "Camp tee", unitAmount: 3900 } })[productId],
  },
};
const teeM = variantKey({ size: "M" });
let db: TestDatabase;
let emulator: StripeEmulator;
const stock = () => createPrismaInventoryStore(db);

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return handleCheckoutSessionRequest(
    new Request("http://shop.test/api/checkout-session", {
      method: "POST",
      headers: { "content-type": "application/json", host: "shop.test", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    storefront,
  );
}

async function reserved(): Promise<Record<string, number>> {
  const items = await stock().listItems(SHOP);
  return Object.fromEntries(items.map((item) => [item.sku, item.reserved]));
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  emulator = await startStripeEmulator({ webhookSecret: "whsec_storefront", deliver: "manual", expirySweepMs: 0 });
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    INVENTORY_BACKEND: "prisma",
    INVENTORY_MODE: "reserve_ttl",
    STRIPE_API_BASE_URL: emulator.url,
  });
  delete process.env.SHOP_PUBLIC_URL;
  resetEnvCache();
  resetStorefrontEnvCache();
});
afterAll(async () => {
  await closeDatabase();
  await emulator?.stop();
  await db?.destroy();
});
beforeEach(async () => {
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "CheckoutSessionRequest" RESTART IDENTITY`,
  );
  await stock().upsertItems(
    SHOP,
    [
      { sku: "MUG", productId: "mug", quantity: 2 },
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 1 },
      { sku: "GHOST", productId: "not-in-the-catalogue", quantity: 5 },
    ],
    { reason: "import", actor: "test" },
  );
});

describe("handleCheckoutSessionRequest", () => {
  it("prices the cart from the catalogue, holds it, and answers the shop's payment link, which leads to Stripe", async () => {
    const response = await post({
      lines: [
        { sku: "MUG", variantKey: "", quantity: 2 },
        { sku: "TEE", variantAttributes: { Size: "m" }, quantity: 1 },
      ],
    });
    const body = (await response.json()) as { status: string; url: string; holdExpiresAt: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: "ready", url: expect.stringMatching(/^\/checkout\/pay\?t=/) as unknown });
    expect(response.headers.get("set-cookie")).toMatch(/^acme_buyer=/);
    expect(await reserved()).toEqual({ MUG: 2, TEE: 1, GHOST: 0 });
    const session = emulator.sessions().at(-1)!;
    expect(session.currency).toBe("eur");
    expect(session.metadata?.shop_id).toBe(SHOP);
    expect(session.success_url).toBe("http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}");

    const followed = await handleCheckoutLinkRequest(new Request(`http://shop.test${body.url}`), storefront);
    expect(followed.status).toBe(303);
    expect(followed.headers.get("location")).toBe(session.url);
  });

  it("names each line the stock cannot cover (409) and holds nothing", async () => {
    const response = await post({
      lines: [
        { sku: "MUG", variantKey: "", quantity: 1 },
        { sku: "TEE", variantKey: teeM, quantity: 2 },
      ],
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      code: "inventory_insufficient",
      message: "Some items sold out while they were in your cart.",
      items: [{ sku: "TEE", variantKey: teeM, requested: 2, available: 1, name: "Camp tee (M)" }],
    });
    expect(await reserved()).toEqual({ MUG: 0, TEE: 0, GHOST: 0 });
  });

  it("refuses bad input by field (400) and holds nothing: unknown to the catalogue, bad quantities, bad keys, not JSON", async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ lines: [{ sku: "GHOST", variantKey: "", quantity: 1 }] }, ["lines.0.sku"]],
      [{ lines: [{ sku: "NOPE", variantKey: "", quantity: 1 }] }, ["lines.0.sku"]],
      [{ lines: [{ sku: "MUG", variantKey: "", quantity: 0 }] }, ["lines.0.quantity"]],
      [{ lines: [{ sku: "TEE", variantKey: "Size=M", quantity: 1 }] }, ["lines.0.variantKey"]],
      [{ lines: [] }, ["lines"]],
      ["{not json", []],
    ];
    for (const [body, fields] of cases) {
      const response = await post(body);
      const answer = (await response.json()) as { code: string; errors?: Array<{ field: string }> };
      expect(response.status, JSON.stringify(body)).toBe(400);
      if (fields.length)
        expect(
          answer.errors?.map((error) => error.field),
          JSON.stringify(body),
        ).toEqual(fields);
    }
    expect(await reserved()).toEqual({ MUG: 0, TEE: 0, GHOST: 0 });
  });
});

describe("handleCheckoutLinkRequest", () => {
  it("sends a link that is not this shop's to the lapsed page, saying why", async () => {
    const response = await post({ lines: [{ sku: "MUG", variantKey: "", quantity: 1 }] });
    const { url } = (await response.json()) as { url: string };
    const other = await handleCheckoutLinkRequest(new Request(`http://shop.test${url}`), {
      ...storefront,
      shopId: "another-shop",
    });
    expect(other.headers.get("location")).toBe("/checkout/lapsed?reason=invalid");
    const forged = await handleCheckoutLinkRequest(new Request(`http://shop.test${url.slice(0, -4)}AAAA`), storefront);
    expect(forged.headers.get("location")).toBe("/checkout/lapsed?reason=invalid");
  });
});
