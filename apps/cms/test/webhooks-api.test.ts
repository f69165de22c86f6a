import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createPrismaInventoryStore, verifyStockEventSignature } from "@acme/platform-core";
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
 * The CMS's webhook routes against its production build on PostgreSQL: admins only, CSRF on writes, each bad field
 * named and nothing created; the cron delivers signed batches to a subscriber on loopback.
 */

const SHOP = "shop-w";
const PASSWORD = "correct horse battery staple";

let db: TestDatabase;
let cms: TestCms;
let admin: CmsClient;
let editor: CmsClient;
let hook: Server;
let hookUrl: string;
const received: Array<{ body: string; signature: string | undefined }> = [];

interface ErrorBody {
  code: string;
  message: string;
  errors?: Array<{ field: string; message: string }>;
}

function send(client: CmsClient, method: string, path: string, body?: unknown): Promise<Response> {
  return client.request(path, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function count(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "StockEventSubscription"`);
  return rows[0]!.n;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await createPrismaInventoryStore(db).upsertItems(SHOP, [{ sku: "TEE", productId: "tee", quantity: 10 }], {
    reason: "import",
    actor: "seed",
  });
  await createTestOperator({ databaseUrl: db.url, email: "admin@w.test", password: PASSWORD, role: "admin" });
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@w.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });
  hook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: request.headers["x-acme-signature"] as string | undefined,
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/stock`;
  // The subscriber is on loopback and the build runs as production: private URLs are allowed explicitly.
  cms = await startCmsForTest({ databaseUrl: db.url, env: { STOCK_EVENT_WEBHOOK_ALLOW_PRIVATE_URLS: "1" } });
  admin = await signIn(cms, "admin@w.test", PASSWORD);
  editor = await signIn(cms, "editor@w.test", PASSWORD);
}, 180_000);

afterAll(async () => {
  await cms?.stop();
  await new Promise((resolve) => hook?.close(resolve));
  await db?.destroy();
});

describe("webhooks API", () => {
  it("refuses non-admins, writes without the CSRF token, and names each bad field without creating anything", async () => {
    expect((await editor.request("/api/webhooks")).status).toBe(403);
    const valid = { name: "ERP", url: hookUrl, shops: [SHOP], kinds: ["stock.adjusted"] };
    expect((await send(editor, "POST", "/api/webhooks", valid)).status).toBe(403);
    const forged = await admin.request("/api/webhooks", {
      method: "POST",
      csrf: false,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(valid),
    });
    expect(forged.status).toBe(403);
    const anonymous = await fetch(`${cms.url}/api/webhooks`);
    expect(anonymous.status).toBe(401);

    const bad = await send(admin, "POST", "/api/webhooks", {
      name: "",
      url: "ftp://x.example",
      shops: [],
      kinds: ["stock.nope"],
    });
    expect(bad.status).toBe(400);
    const refused = (await bad.json()) as ErrorBody;
    expect(refused.code).toBe("validation_failed");
    expect(refused.errors!.map((e) => e.field).sort()).toEqual(["kinds.0", "name", "shops", "url"]);
    const unknown = await send(admin, "POST", "/api/webhooks", { ...valid, secret: "chosen-by-the-browser" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as ErrorBody).errors![0]!.message).toContain("has unknown fields secret");
    expect(await count()).toBe(0);
  });

  it("creates (secret once), lists, delivers through the cron, replays, pauses, rotates and deletes", async () => {
    const created = await send(admin, "POST", "/api/webhooks", {
      name: "ERP",
      url: hookUrl,
      shops: [SHOP],
      kinds: ["stock.adjusted"],
      startFrom: "beginning",
    });
    expect(created.status).toBe(201);
    const { subscription, secret } = (await created.json()) as {
      subscription: { id: string; cursors: Array<{ shopId: string; lag: number }> };
      secret: string;
    };
    expect(secret).toMatch(/^whsec_/);
    const listed = (await (await admin.request("/api/webhooks")).json()) as { subscriptions: unknown[] };
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(listed.subscriptions).toHaveLength(1);

    expect((await fetch(`${cms.url}/api/cron/stock-events`, { method: "POST" })).status).toBe(401);
    const cron = await fetch(`${cms.url}/api/cron/stock-events`, {
      headers: { authorization: `Bearer ${cms.secrets.cron}` },
    });
    expect(cron.status).toBe(200);
    // The create request's after-response pass may have delivered first; either way, once.
    expect(await cron.json()).toMatchObject({ delivery: { failed: 0 }, pruned: { events: 0, deliveries: 0 } });
    await expect.poll(() => received.length).toBe(1);
    expect(verifyStockEventSignature({ body: received[0]!.body, header: received[0]!.signature, secret })).toBe(true);
    expect(JSON.parse(received[0]!.body)).toMatchObject({
      subscriptionId: subscription.id,
      shopId: SHOP,
      events: [{ sequence: 1, type: "stock.adjusted", sku: "TEE", quantity: { before: 0, after: 10 } }],
    });

    const path = `/api/webhooks/${subscription.id}`;
    const badReplay = await send(admin, "POST", `${path}/replay`, { shopId: SHOP, fromSeq: 5 });
    expect(badReplay.status).toBe(400);
    expect(((await badReplay.json()) as ErrorBody).errors![0]!.field).toBe("fromSeq");
    expect((await send(editor, "POST", `${path}/replay`, { shopId: SHOP, fromSeq: 1 })).status).toBe(403);
    const replay = await send(admin, "POST", `${path}/replay`, { shopId: SHOP, fromSeq: 1 });
    expect(await replay.json()).toEqual({ deliveredSeq: 0, lastSeq: 1 });
    // No cron needed: the replay request's after-response pass sends the event again.
    await expect.poll(() => received.length).toBe(2);
    expect(received[1]!.body).toContain('"sequence":1');

    const paused = await send(admin, "PATCH", path, { active: false });
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as { subscription: { active: boolean } }).subscription.active).toBe(false);
    const badPatch = await send(admin, "PATCH", path, { url: "not a url" });
    expect(badPatch.status).toBe(400);
    expect(((await badPatch.json()) as ErrorBody).errors![0]!.field).toBe("url");
    const rotated = (await (await send(admin, "PATCH", path, { rotateSecret: true })).json()) as { secret: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);

    const log = (await (await admin.request(`${path}/deliveries?limit=10`)).json()) as {
      deliveries: Array<{ outcome: string; fromSeq: number; toSeq: number; httpStatus: number }>;
    };
    expect(log.deliveries).toMatchObject([
      { outcome: "sent", fromSeq: 1, toSeq: 1, httpStatus: 204 },
      { outcome: "sent", fromSeq: 1, toSeq: 1, httpStatus: 204 },
    ]);
    const page = await admin.request(`/cms/webhooks/${subscription.id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Delivery log");

    expect((await send(editor, "DELETE", path)).status).toBe(403);
    expect((await send(admin, "DELETE", path)).status).toBe(204);
    expect((await send(admin, "DELETE", path)).status).toBe(404);
    expect(await count()).toBe(0);
  });
});
