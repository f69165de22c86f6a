import { createPrismaInventoryStore, type InventoryStore } from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestOperator,
  signIn,
  startCmsForTest,
  type CmsClient,
  type TestCms,
} from "./support/cms-test-server.ts";

/**
 * Integrations end to end on the CMS's production build: an admin creates one (admins only, CSRF), its token sets
 * and reads stock through the sync API, a replay says so, and once revoked the token answers 401.
 */

const SHOP = "shop-a";
const PASSWORD = "correct horse battery staple";

let db: TestDatabase;
let store: InventoryStore;
let cms: TestCms;
let admin: CmsClient;
let editor: CmsClient;

interface ErrorBody {
  code: string;
  message: string;
  errors?: Array<{ field: string; message: string }>;
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 3 });
  store = createPrismaInventoryStore(db);
  await store.upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 10 },
      { sku: "CAP", productId: "cap", quantity: 6 },
    ],
    { reason: "import", actor: "seed" },
  );
  await createTestOperator({ databaseUrl: db.url, email: "admin@a.test", password: PASSWORD, role: "admin" });
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@a.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });
  cms = await startCmsForTest({ databaseUrl: db.url });
  admin = await signIn(cms, "admin@a.test", PASSWORD);
  editor = await signIn(cms, "editor@a.test", PASSWORD);
}, 180_000);

afterAll(async () => {
  await cms?.stop();
  await db?.destroy();
});

function create(client: CmsClient, body: unknown, init: { csrf?: boolean } = {}): Promise<Response> {
  return client.request("/api/integrations", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...init,
  });
}

function sync(token: string, key: string | null, body: unknown, shop = SHOP): Promise<Response> {
  return fetch(`${cms.url}/api/v1/shops/${shop}/inventory/set-quantities`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(key === null ? {} : { "idempotency-key": key }),
    },
    body: JSON.stringify(body),
  });
}

describe("integrations", () => {
  it("only admins manage them; fields are named; the token is shown once and works for its shops only", async () => {
    expect((await fetch(`${cms.url}/api/integrations`)).status).toBe(401);
    expect((await editor.request("/api/integrations")).status).toBe(403);
    expect((await create(editor, { name: "ERP", shops: [SHOP] })).status).toBe(403);
    expect((await create(admin, { name: "ERP", shops: [SHOP] }, { csrf: false })).status).toBe(403);
    const bad = await create(admin, { name: "", shops: [SHOP, "Not A Shop"] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).errors!.map((e) => e.field)).toEqual(["name", "shops.1"]);
    const unknown = await create(admin, { name: "ERP", shops: [SHOP], token: "mine" });
    expect(unknown.status).toBe(400);

    const created = await create(admin, { name: "ERP", shops: [SHOP] });
    expect(created.status).toBe(201);
    const { integration, token } = (await created.json()) as {
      integration: { id: string; tokenPrefix: string; createdBy: string };
      token: string;
    };
    expect(token).toMatch(/^acme_int_[A-Za-z0-9_-]{43}$/);
    expect(integration).toMatchObject({ tokenPrefix: token.slice(0, 13), createdBy: "admin@a.test" });
    const listed = await (await admin.request("/api/integrations")).text();
    expect(listed).toContain(integration.id);
    expect(listed).not.toContain(token);
    const page = await admin.request("/cms/integrations");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("ERP");
    expect(html).not.toContain(token);
    expect((await editor.request("/cms/integrations")).status).toBe(403);

    // The sync API with that token.
    const missingKey = await sync(token, null, { reason: "correction", lines: [{ sku: "CAP", quantity: 7 }] });
    expect(missingKey.status).toBe(400);
    expect(((await missingKey.json()) as ErrorBody).errors![0]!.field).toBe("Idempotency-Key");
    const invalid = await sync(token, "k-0", { reason: "correction", lines: [{ sku: "CAP", quantity: -7 }] });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as ErrorBody).errors).toEqual([
      { field: "lines.0.quantity", message: "must not be negative" },
    ]);
    const body = {
      reason: "cycle_count",
      reference: "COUNT-1",
      lines: [{ sku: "CAP", quantity: 7, compareQuantity: 6 }],
    };
    const applied = await sync(token, "k-1", body);
    expect(applied.status).toBe(200);
    const answer = (await applied.json()) as { applied: number; lines: Array<{ outcome: string }> };
    expect(answer).toMatchObject({ applied: 1, lines: [{ outcome: "applied" }] });
    const replay = await sync(token, "k-1", body);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(answer);
    const reused = await sync(token, "k-1", { ...body, reference: "COUNT-2" });
    expect(reused.status).toBe(409);
    expect(((await reused.json()) as ErrorBody).code).toBe("idempotency_key_reused");
    expect((await sync(token, "k-2", body, "shop-b")).status).toBe(403);

    const read = await fetch(`${cms.url}/api/v1/shops/${SHOP}/inventory?sku=CAP`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      levels: [{ sku: "CAP", variantKey: "", location: "main", quantity: 7, reserved: 0, available: 7 }],
      nextCursor: null,
    });
    expect((await store.getItem(SHOP, { sku: "CAP", variantKey: "" }))!.quantity).toBe(7);

    // Revoked: the token stops working at once; revoking again changes nothing.
    const revoke = () => admin.request(`/api/integrations/${integration.id}/revoke`, { method: "POST" });
    expect((await editor.request(`/api/integrations/${integration.id}/revoke`, { method: "POST" })).status).toBe(403);
    expect((await revoke()).status).toBe(200);
    expect((await revoke()).status).toBe(200);
    expect((await admin.request(`/api/integrations/not-an-id/revoke`, { method: "POST" })).status).toBe(400);
    expect((await sync(token, "k-3", body)).status).toBe(401);
    const after = (await (await admin.request("/api/integrations")).json()) as {
      integrations: Array<{ id: string; active: boolean; lastUsedAt: string | null }>;
    };
    expect(after.integrations.find((i) => i.id === integration.id)).toMatchObject({ active: false });
    expect(after.integrations.find((i) => i.id === integration.id)!.lastUsedAt).not.toBeNull();
  });
});
