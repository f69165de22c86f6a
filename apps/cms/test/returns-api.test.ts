import {
  createCheckoutSession,
  createDatabaseStripePacer,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  createPrismaLocationStore,
  createPrismaReturnStore,
  createPrismaSessionRequestStore,
  createStripeClient,
  getEnv,
  type InventoryStore,
} from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { startStripeEmulator, type StripeEmulator } from "@acme/stripe-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestOperator,
  signIn,
  startCmsForTest,
  type CmsClient,
  type TestCms,
} from "./support/cms-test-server.ts";

/**
 * The CMS's returns routes against its production build on PostgreSQL, with refunds made at the Stripe emulator and
 * delivered, signed, to the CMS's own webhook: the policy, a pending return restocked or dismissed by an editor, and
 * every refusal (status, code, the field at fault) changing nothing.
 */

const SHOP = "shop-r";
const PASSWORD = "correct horse battery staple";

let db: TestDatabase;
let store: InventoryStore;
let cms: TestCms;
let emulator: StripeEmulator;
let editor: CmsClient;
let viewer: CmsClient;

interface ErrorBody {
  code: string;
  message: string;
  errors?: Array<{ field: string; message: string }>;
}

async function json<T = ErrorBody>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

function send(client: CmsClient, method: string, path: string, body: unknown): Promise<Response> {
  return client.request(`/api/shops/${SHOP}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function quantity(sku: string): Promise<number> {
  return (await store.getItem(SHOP, { sku, variantKey: "" }))!.quantity;
}

/** A paid checkout of `lines` (sku → units at 10.00 each), refunded by `amount` (default: in full). */
async function paidAndRefunded(lines: Record<string, number>, amount?: number) {
  const result = await createCheckoutSession(
    {
      currency: "usd",
      lines: Object.entries(lines).map(([sku, units]) => ({ sku, name: sku, unitAmount: 1000, quantity: units })),
    },
    {
      shopId: SHOP,
      inventoryMode: "reserve_ttl",
      successUrl: "http://shop.test/done",
      cancelUrl: "http://shop.test/cart",
      stripe: createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: emulator.url }),
      skipInventoryValidation: false,
      holds: createPrismaHoldStore(db),
      store,
      requests: createPrismaSessionRequestStore(db),
      pacer: createDatabaseStripePacer(db, getEnv()),
    },
  );
  if (result.status !== "ready") throw new Error(`checkout not ready: ${result.status}`);
  emulator.pay(result.sessionId);
  await emulator.idle();
  const { refund } = emulator.refund({ sessionId: result.sessionId, ...(amount === undefined ? {} : { amount }) });
  await emulator.idle();
  return refund.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  store = createPrismaInventoryStore(db);
  await store.upsertItems(
    SHOP,
    [
      { sku: "A", productId: "a", quantity: 10 },
      { sku: "B", productId: "b", quantity: 10 },
    ],
    { reason: "import", actor: "seed" },
  );
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@r.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "viewer@r.test",
    password: PASSWORD,
    role: "viewer",
    shops: [SHOP],
  });
  emulator = await startStripeEmulator({ webhookSecret: "whsec_pending", limits: false });
  cms = await startCmsForTest({ databaseUrl: db.url, env: { STRIPE_API_BASE_URL: emulator.url } });
  await emulator.stop();
  emulator = await startStripeEmulator({
    webhookSecret: cms.secrets.webhook,
    webhookUrl: `${cms.url}/api/stripe/webhook`,
    limits: false,
    retry: { attempts: 2, initialDelayMs: 20, maxDelayMs: 20 },
  });
  editor = await signIn(cms, "editor@r.test", PASSWORD);
  viewer = await signIn(cms, "viewer@r.test", PASSWORD);
}, 180_000);

afterAll(async () => {
  await emulator?.stop();
  await cms?.stop();
  await store?.close().catch(() => {});
  await db?.destroy();
});

describe("returns API", () => {
  it("reads and sets the return policy, naming a bad value, refusing viewers and forged requests", async () => {
    const read = await viewer.request(`/api/shops/${SHOP}/returns`);
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({ policy: { policy: "ask", updatedBy: null }, pending: [], recent: [] });

    const bad = await send(editor, "PUT", "/returns/policy", { policy: "sometimes" });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ code: "validation_failed", errors: [{ field: "policy" }] });
    expect((await send(viewer, "PUT", "/returns/policy", { policy: "restock" })).status).toBe(403);
    const forged = await editor.request(`/api/shops/${SHOP}/returns/policy`, {
      method: "PUT",
      csrf: false,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ policy: "restock" }),
    });
    expect(forged.status).toBe(403);
    const other = await editor.request(`/api/shops/elsewhere/returns`);
    expect(other.status).toBe(403);
    expect((await createPrismaReturnStore(db).getPolicy({ shopId: SHOP })).policy).toBe("ask");

    const set = await send(editor, "PUT", "/returns/policy", { policy: "no_restock" });
    expect(set.status).toBe(200);
    expect(await json(set)).toMatchObject({ policy: { policy: "no_restock", updatedBy: "editor@r.test" } });
    expect((await send(editor, "PUT", "/returns/policy", { policy: "ask" })).status).toBe(200);
  });

  it("a pending return is restocked by line or dismissed by an editor; bad lines are refused by field", async () => {
    const full = await paidAndRefunded({ A: 2, B: 1 });
    const partial = await paidAndRefunded({ A: 1 }, 500);
    expect([await quantity("A"), await quantity("B")]).toEqual([7, 9]);
    const listed = await json<{ pending: Array<{ refundId: string; mapping: string; lines: unknown[] }> }>(
      await viewer.request(`/api/shops/${SHOP}/returns`),
    );
    expect(listed.pending.map((entry) => [entry.refundId, entry.mapping])).toEqual([
      [full, "full"],
      [partial, "unmatched"],
    ]);

    const restock = (refundId: string, lines: unknown) =>
      send(editor, "POST", `/returns/${refundId}`, { decision: "restock", lines });
    const tooMany = await restock(full, [
      { sku: "A", variantKey: "", location: "main", quantity: 1 },
      { sku: "B", variantKey: "", location: "main", quantity: 2 },
    ]);
    expect(tooMany.status).toBe(400);
    expect(await json(tooMany)).toMatchObject({
      code: "validation_failed",
      errors: [{ field: "lines.1.quantity", message: "at most 1 of B at main can go back" }],
    });
    const negative = await restock(full, [{ sku: "A", variantKey: "", location: "main", quantity: -1 }]);
    expect(negative.status).toBe(400);
    expect((await json(negative)).errors![0]!.field).toBe("lines.0.quantity");
    expect((await send(viewer, "POST", `/returns/${full}`, { decision: "dismiss" })).status).toBe(403);
    expect((await send(editor, "POST", `/returns/re_unknown`, { decision: "dismiss" })).status).toBe(404);
    expect([await quantity("A"), await quantity("B")]).toEqual([7, 9]);

    const done = await restock(full, [
      { sku: "A", variantKey: "", location: "main", quantity: 2 },
      { sku: "B", variantKey: "", location: "main", quantity: 0 },
    ]);
    expect(done.status).toBe(200);
    expect(await json(done)).toMatchObject({
      return: { status: "restocked", decidedBy: "editor@r.test", restocked: [{ sku: "A", quantity: 2 }] },
    });
    expect([await quantity("A"), await quantity("B")]).toEqual([9, 9]);
    const again = await restock(full, [{ sku: "B", variantKey: "", location: "main", quantity: 1 }]);
    expect(again.status).toBe(409);

    const dismissed = await send(editor, "POST", `/returns/${partial}`, { decision: "dismiss", note: "kept by buyer" });
    expect(dismissed.status).toBe(200);
    expect(await json(dismissed)).toMatchObject({ return: { status: "dismissed", note: "kept by buyer" } });
    expect(await quantity("A")).toBe(9);
    const after = await json<{ pending: unknown[]; recent: Array<{ refundId: string }> }>(
      await viewer.request(`/api/shops/${SHOP}/returns`),
    );
    expect(after.pending).toEqual([]);
    expect(after.recent.map((entry) => entry.refundId).sort()).toEqual([full, partial].sort());
    expect((await createPrismaLocationStore(db).reconcile({ shopId: SHOP })).drift).toEqual([]);

    const page = await viewer.request(`/cms/shop/${SHOP}/returns`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Return policy");
    expect(html).toContain(full);
  });
});
