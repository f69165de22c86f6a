import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleOpsAlertCron } from "../src/alerts/handle-ops-alert-cron.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import type { HoldStore } from "../src/holds/types.ts";
import { authenticateIntegration } from "../src/integrations/authenticate-integration.ts";
import { createIntegration } from "../src/integrations/create-integration.ts";
import {
  handleSetInventoryQuantitiesRequest,
  handleSyncInventoryRequest,
} from "../src/integrations/handle-sync-requests.ts";
import { listIntegrations } from "../src/integrations/list-integrations.ts";
import { pruneSyncRequests } from "../src/integrations/prune-sync-requests.ts";
import { revokeIntegration } from "../src/integrations/revoke-integration.ts";
import type { SetInventoryQuantitiesBody, SyncLineResult } from "../src/integrations/set-inventory-quantities.ts";
import type { SyncInventoryPage } from "../src/integrations/list-sync-inventory.ts";
import type { Integration } from "../src/integrations/types.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import type { LocationStore } from "../src/locations/types.ts";
import { stateSnapshot } from "./fuzz/state-snapshot.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

// The sync API (inventorySetQuantities for ERPs and WMSs) on PostgreSQL, through its HTTP handlers: tokens and
// scopes, each line's outcome, atomic requests, idempotency (replays, reuse, concurrent duplicates), and
// compare-and-set racing other integrations and buyers. After every test the books reconcile.

const SHOP = "shop-sync";
const OTHER = "shop-other";

let db: TestDatabase;
let stock: InventoryStore;
let holds: HoldStore;
let locations: LocationStore;
let erp: { integration: Integration; token: string };
let wms: { integration: Integration; token: string };
let keySeq = 0;
const newKey = () => `key-${process.pid}-${++keySeq}`;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 12 });
  stock = createPrismaInventoryStore(db);
  holds = createPrismaHoldStore(db);
  locations = createPrismaLocationStore(db);
});
beforeEach(async () => {
  await db.pool.query(
    `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "StockLedgerEntry", "InventoryHoldItem",
              "InventoryHold", "Integration", "SyncRequest" RESTART IDENTITY CASCADE`,
  );
  await stock.upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 10 },
      { sku: "CAP", productId: "cap", quantity: 6 },
    ],
    { reason: "import", actor: "seed" },
  );
  await locations.createLocation({ shopId: SHOP, code: "north", name: "North", actor: "seed" });
  await stock.upsertItems(SHOP, [{ sku: "CAP", productId: "cap", quantity: 3, location: "north" }], {
    reason: "import",
    actor: "seed",
  });
  await stock.upsertItems(OTHER, [{ sku: "CAP", productId: "cap", quantity: 1 }], { reason: "import", actor: "seed" });
  erp = await createIntegration({ name: "ERP", shops: [SHOP], actor: "admin@test", database: db });
  wms = await createIntegration({ name: "WMS", shops: [SHOP, OTHER], actor: "admin@test", database: db });
});
afterEach(async () => {
  expect((await locations.reconcile()).drift).toEqual([]);
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "InventoryLevel" WHERE reserved > quantity OR reserved < 0 OR quantity < 0`,
  );
  expect(rows[0]!.n).toBe(0);
});
afterAll(async () => {
  await db?.destroy();
});

interface Call {
  token?: string | null;
  key?: string | null;
  body: unknown;
  shop?: string;
  now?: Date;
}

async function post(
  call: Call,
): Promise<{ status: number; body: SetInventoryQuantitiesBody & ErrorBody; replayed: boolean }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = call.token === undefined ? erp.token : call.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const key = call.key === undefined ? newKey() : call.key;
  if (key !== null) headers["idempotency-key"] = key;
  const shop = call.shop ?? SHOP;
  const request = new Request(`http://cms.test/api/v1/shops/${shop}/inventory/set-quantities`, {
    method: "POST",
    headers,
    body: typeof call.body === "string" ? call.body : JSON.stringify(call.body),
  });
  const response = await handleSetInventoryQuantitiesRequest(request, {
    shopId: shop,
    database: db,
    ...(call.now ? { now: call.now } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as SetInventoryQuantitiesBody & ErrorBody,
    replayed: response.headers.get("idempotent-replayed") === "true",
  };
}

interface ErrorBody {
  code?: string;
  message?: string;
  errors?: Array<{ field: string; message: string }>;
}

async function read(
  query: string,
  token = erp.token,
  shop = SHOP,
): Promise<{ status: number; body: SyncInventoryPage & ErrorBody }> {
  const request = new Request(`http://cms.test/api/v1/shops/${shop}/inventory?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const response = await handleSyncInventoryRequest(request, { shopId: shop, database: db });
  return { status: response.status, body: (await response.json()) as SyncInventoryPage & ErrorBody };
}

async function level(sku: string, variantKey = "", location = "main") {
  const { rows } = await db.pool.query<{ quantity: number; reserved: number; version: number }>(
    `SELECT lv.quantity, lv.reserved, i.version FROM "InventoryLevel" lv
     JOIN "InventoryItem" i USING ("shopId", sku, "variantKey")
     WHERE lv."shopId" = $1 AND lv.sku = $2 AND lv."variantKey" = $3 AND lv.location = $4`,
    [SHOP, sku, variantKey, location],
  );
  return rows[0] ?? { quantity: 0, reserved: 0, version: 0 };
}

async function ledgerCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "StockLedgerEntry"`);
  return rows[0]!.n;
}

function hold(sku: string, quantity: number, variantKey = "") {
  return createInventoryHold({
    shopId: SHOP,
    requests: [{ sku, variantKey, quantity }],
    ttlSeconds: 600,
    store: holds,
  });
}

const line = (result: SetInventoryQuantitiesBody, index: number): SyncLineResult => result.lines[index]!;

describe("integrations and their tokens", () => {
  it("a token is acme_int_ and 32 random bytes; only its SHA-256 and prefix are stored", async () => {
    expect(erp.token).toMatch(/^acme_int_[A-Za-z0-9_-]{43}$/);
    expect(erp.integration.tokenPrefix).toBe(erp.token.slice(0, 13));
    const { rows } = await db.pool.query<{ tokenHash: string }>(`SELECT "tokenHash" FROM "Integration" WHERE id = $1`, [
      erp.integration.id,
    ]);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.stringify((await db.pool.query(`SELECT * FROM "Integration"`)).rows);
    expect(stored).not.toContain(erp.token);
    expect((await listIntegrations({ database: db })).map((i) => i.name)).toEqual(["WMS", "ERP"]);
  });

  it("refuses bad names and shops by field", async () => {
    await expect(
      createIntegration({ name: " ", shops: ["NOPE", SHOP], actor: "a", database: db }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { errors: [{ field: "name" }, { field: "shops.0" }] },
    });
    await expect(createIntegration({ name: "x", shops: [], actor: "a", database: db })).rejects.toMatchObject({
      details: { errors: [{ field: "shops" }] },
    });
  });

  it("401 for a missing, malformed, unknown or revoked token; 403 outside its shops; lastUsedAt once a minute", async () => {
    const body = { reason: "correction", lines: [{ sku: "CAP", quantity: 7 }] };
    for (const token of [null, "", "acme_int_short", `acme_int_${"A".repeat(43)}`, `${erp.token}x`]) {
      const answer = await post({ token, body });
      expect(answer.status, String(token)).toBe(401);
      expect(answer.body.code).toBe("unauthorized");
    }
    expect((await post({ token: erp.token, shop: OTHER, body })).status).toBe(403);
    const t0 = new Date();
    await authenticateIntegration({ request: authed(wms.token), shopId: OTHER, database: db, now: t0 });
    await authenticateIntegration({
      request: authed(wms.token),
      shopId: OTHER,
      database: db,
      now: new Date(t0.getTime() + 30_000),
    });
    expect((await lastUsed(wms.integration.id))?.getTime()).toBe(t0.getTime());
    const later = new Date(t0.getTime() + 61_000);
    await authenticateIntegration({ request: authed(wms.token), shopId: SHOP, database: db, now: later });
    expect((await lastUsed(wms.integration.id))?.getTime()).toBe(later.getTime());

    const revoked = await revokeIntegration({ id: wms.integration.id, database: db });
    expect(revoked).toMatchObject({ active: false });
    expect((await post({ token: wms.token, body })).status).toBe(401);
    await expect(revokeIntegration({ id: "0190c4a0-0000-7000-8000-000000000000", database: db })).rejects.toMatchObject(
      {
        code: "not_found",
      },
    );
    expect(await level("CAP")).toMatchObject({ quantity: 6 });
  });
});

function authed(token: string): Request {
  return new Request("http://cms.test/", { headers: { authorization: `Bearer ${token}` } });
}

async function lastUsed(id: string): Promise<Date | null> {
  const { rows } = await db.pool.query<{ lastUsedAt: Date | null }>(
    `SELECT "lastUsedAt" FROM "Integration" WHERE id = $1`,
    [id],
  );
  return rows[0]!.lastUsedAt;
}

describe("setting quantities", () => {
  it("applies lines, leaves equal ones unchanged, and writes one sync ledger entry per applied line", async () => {
    const before = await level("TEE", "size=m");
    const answer = await post({
      body: {
        reason: "cycle_count",
        reference: "WMS-COUNT-42",
        lines: [
          { sku: "TEE", variantAttributes: { Size: " m " }, quantity: 14, compareQuantity: 10 },
          { sku: "CAP", quantity: 6 },
          { sku: "CAP", location: "north", quantity: 1, compareVersion: (await level("CAP")).version },
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ applied: 2, refused: 0, unchanged: 1 });
    expect(line(answer.body, 0)).toMatchObject({
      index: 0,
      outcome: "applied",
      sku: "TEE",
      variantKey: "size=m",
      location: "main",
      quantity: 14,
      previousQuantity: 10,
      version: before.version + 1,
    });
    expect(line(answer.body, 1)).toMatchObject({ outcome: "unchanged", previousQuantity: 6 });
    expect(line(answer.body, 1).ledgerEntryId).toBeUndefined();
    expect(line(answer.body, 2)).toMatchObject({ outcome: "applied", location: "north", previousQuantity: 3 });
    const { rows } = await db.pool.query(
      `SELECT id::text, sku, location, delta, "quantityAfter", reason, actor, note, reference FROM "StockLedgerEntry"
       WHERE reason = 'sync' ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: line(answer.body, 0).ledgerEntryId,
        sku: "TEE",
        location: "main",
        delta: 4,
        quantityAfter: 14,
        reason: "sync",
        actor: `integration:${erp.integration.id}`,
        note: "cycle_count",
        reference: "WMS-COUNT-42",
      },
      {
        id: line(answer.body, 2).ledgerEntryId,
        sku: "CAP",
        location: "north",
        delta: -2,
        quantityAfter: 1,
        reason: "sync",
        actor: `integration:${erp.integration.id}`,
        note: "cycle_count",
        reference: "WMS-COUNT-42",
      },
    ]);
    // The online total moved with the locations (both count online).
    expect((await stock.getItem(SHOP, { sku: "CAP", variantKey: "" }))!.quantity).toBe(7);
  });

  it("per line: compare_failed, below_held, not_found and unknown_location refuse their line only (200)", async () => {
    await hold("CAP", 4);
    const cap = await level("CAP");
    const answer = await post({
      body: {
        reason: "correction",
        lines: [
          { sku: "TEE", variantKey: "size=m", quantity: 11, compareQuantity: 9 },
          { sku: "TEE", variantKey: "size=m", location: "north", quantity: 2, compareVersion: 999 },
          { sku: "CAP", quantity: 3 },
          { sku: "NOPE", quantity: 3 },
          { sku: "CAP", location: "south", quantity: 3 },
          { sku: "CAP", location: "north", quantity: 8, compareQuantity: 3, compareVersion: cap.version },
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ applied: 1, refused: 5, unchanged: 0 });
    const errors = answer.body.lines.map((l) => l.error?.code ?? l.outcome);
    expect(errors).toEqual([
      "compare_failed",
      "compare_failed",
      "below_held",
      "not_found",
      "unknown_location",
      "applied",
    ]);
    expect(line(answer.body, 0).error).toMatchObject({ quantity: 10, version: (await level("TEE", "size=m")).version });
    expect(line(answer.body, 2).error).toMatchObject({ held: 4, quantity: 6 });
    expect(line(answer.body, 3)).toMatchObject({ outcome: "refused", previousQuantity: null, version: null });
    expect(await level("TEE", "size=m")).toMatchObject({ quantity: 10 });
    expect(await level("CAP")).toMatchObject({ quantity: 6, reserved: 4 });
    expect(await level("CAP", "", "north")).toMatchObject({ quantity: 8 });
  });

  it("atomic: one refused line refuses them all (409), nothing applied; without refusals it applies", async () => {
    const ledger = await ledgerCount();
    const before = await stateSnapshot(db);
    const answer = await post({
      body: {
        reason: "received",
        atomic: true,
        lines: [
          { sku: "TEE", variantKey: "size=m", quantity: 20 },
          { sku: "CAP", quantity: 9, compareQuantity: 5 },
        ],
      },
    });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ code: "conflict", applied: 0, refused: 2, unchanged: 0 });
    expect(answer.body.lines.map((l) => l.error?.code)).toEqual(["not_applied", "compare_failed"]);
    expect(await stateSnapshot(db)).toEqual(before);
    expect(await ledgerCount()).toBe(ledger);
    const ok = await post({
      body: { reason: "received", atomic: true, lines: [{ sku: "CAP", quantity: 9, compareQuantity: 6 }] },
    });
    expect(ok.status).toBe(200);
    expect(await level("CAP")).toMatchObject({ quantity: 9 });
  });

  it("1000 lines go through in one request; 1001 are refused at lines (422), nothing changes", async () => {
    await stock.upsertItems(
      SHOP,
      Array.from({ length: 1000 }, (_, i) => ({ sku: `BULK-${i}`, productId: "bulk", quantity: 1 })),
      { reason: "import", actor: "seed" },
    );
    const lines = Array.from({ length: 1000 }, (_, i) => ({ sku: `BULK-${i}`, quantity: i, compareQuantity: 1 }));
    const started = performance.now();
    const answer = await post({ body: { reason: "cycle_count", lines } });
    const ms = performance.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ applied: 999, unchanged: 1, refused: 0 });
    expect(ms).toBeLessThan(10_000);
    const before = await stateSnapshot(db);
    const tooMany = await post({ body: { reason: "cycle_count", lines: [...lines, { sku: "CAP", quantity: 1 }] } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toEqual([{ field: "lines", message: "must have at most 1000 lines" }]);
    expect(await stateSnapshot(db)).toEqual(before);
  });

  it("422 names each bad field, a variant named twice, and consumes no key; 400 names the header", async () => {
    const key = newKey();
    const bad = await post({
      key,
      body: {
        reason: "lost",
        reference: "x".repeat(201),
        lines: [
          { sku: "CAP", quantity: 1.5 },
          { sku: "CAP", quantity: -1, compareQuantity: "6" },
          { sku: "TEE", variantKey: "size=m", quantity: 1 },
          { sku: "TEE", variantAttributes: { size: "M" }, quantity: 2 },
          { sku: "CAP", quantity: 1_000_000_001, extra: true },
        ],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe("validation_failed");
    expect(bad.body.errors?.map((e) => e.field)).toEqual(["reason", "reference"]);
    const lines = await post({
      key,
      body: {
        reason: "other",
        lines: [
          { sku: "CAP", quantity: 1.5 },
          { sku: "CAP", quantity: -1, compareQuantity: "6" },
          { sku: "TEE", variantKey: "size=m", quantity: 1 },
          { sku: "TEE", variantAttributes: { size: "M" }, quantity: 2 },
          { sku: "CAP", location: "North", quantity: 1_000_000_001, extra: true },
        ],
      },
    });
    expect(lines.status).toBe(422);
    expect(lines.body.errors?.map((e) => e.field)).toEqual([
      "lines.0.quantity",
      "lines.1.quantity",
      "lines.1.compareQuantity",
      "lines.3.sku",
      "lines.4.location",
      "lines.4.quantity",
      "lines.4.extra",
    ]);
    // The key was not used: the same key with a valid body goes through.
    expect((await post({ key, body: { reason: "other", lines: [{ sku: "CAP", quantity: 2 }] } })).status).toBe(200);

    const missing = await post({ key: null, body: { reason: "other", lines: [{ sku: "CAP", quantity: 2 }] } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.map((e) => e.field)).toEqual(["Idempotency-Key"]);
    const long = await post({ key: "k".repeat(256), body: { reason: "other", lines: [{ sku: "CAP", quantity: 2 }] } });
    expect(long.status).toBe(400);
    expect(long.body.errors?.[0]?.field).toBe("Idempotency-Key");
    expect((await post({ body: "{not json" })).status).toBe(400);
  });
});

describe("idempotency", () => {
  const body = { reason: "restock", reference: "PO-1", lines: [{ sku: "CAP", quantity: 8, compareQuantity: 6 }] };

  it("the same key and body replays the stored answer; nothing is written twice", async () => {
    const key = newKey();
    const first = await post({ key, body });
    expect(first).toMatchObject({ status: 200, replayed: false });
    const ledger = await ledgerCount();
    const state = await stateSnapshot(db);
    // The same request written differently (key order, defaults spelled out) is the same request.
    const again = await post({
      key,
      body: {
        lines: [{ compareQuantity: 6, quantity: 8, location: "main", sku: "CAP" }],
        atomic: false,
        reference: "PO-1",
        reason: "restock",
      },
    });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await ledgerCount()).toBe(ledger);
    expect(await stateSnapshot(db)).toEqual(state);
    // Another integration's key space is its own.
    const other = await post({ key, body, token: wms.token });
    expect(other.status).toBe(200);
    expect(line(other.body, 0).error?.code).toBe("compare_failed");
  });

  it("the same key with another body is 409 idempotency_key_reused and changes nothing", async () => {
    const key = newKey();
    await post({ key, body });
    const state = await stateSnapshot(db);
    const reused = await post({ key, body: { ...body, lines: [{ sku: "CAP", quantity: 9 }] } });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("idempotency_key_reused");
    expect(await stateSnapshot(db)).toEqual(state);
    expect((await post({ key, body: { ...body, reference: "PO-2" } })).body.code).toBe("idempotency_key_reused");
    expect((await post({ key, body, shop: OTHER, token: wms.token })).status).toBe(200);
  });

  it("concurrent duplicates: one applies, the others wait for it and replay its answer", async () => {
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post({ key, body })));
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(answers[0]!.body);
      expect(line(answer.body, 0).outcome).toBe("applied");
    }
    const { rows } = await db.pool.query(`SELECT 1 FROM "StockLedgerEntry" WHERE reason = 'sync'`);
    expect(rows).toHaveLength(1);
    expect(await level("CAP")).toMatchObject({ quantity: 8 });
  });

  it("a key is remembered 24 h: the ops cron prunes older ones and the key is free again", async () => {
    const key = newKey();
    const t0 = new Date();
    await post({ key, body, now: t0 });
    const later = new Date(t0.getTime() + 24 * 3600_000 + 1000);
    expect(await pruneSyncRequests({ database: db, now: new Date(t0.getTime() + 3600_000) })).toBe(0);
    // Past 24 h the key takes a new request even before the prune ran.
    const fresh = await post({ key, body: { reason: "other", lines: [{ sku: "CAP", quantity: 5 }] }, now: later });
    expect(fresh).toMatchObject({ status: 200, replayed: false });
    expect(await level("CAP")).toMatchObject({ quantity: 5 });
    const cron = await handleOpsAlertCron(
      new Request("http://cms.test/api/cron/ops-alerts", { headers: { authorization: "Bearer cron-secret" } }),
      { secret: "cron-secret", database: db, now: new Date(later.getTime() + 24 * 3600_000 + 1000) },
    );
    expect(cron.status).toBe(200);
    expect(((await cron.json()) as { syncRequestsPruned: number }).syncRequestsPruned).toBe(1);
    expect((await db.pool.query(`SELECT 1 FROM "SyncRequest"`)).rowCount).toBe(0);
  });
});

describe("compare-and-set against other integrations and buyers", () => {
  it("two integrations and buyers race: one writer wins, the loser is told the current value, books reconcile", async () => {
    await stock.upsertItems(SHOP, [{ sku: "HOT", productId: "hot", quantity: 50 }], {
      reason: "import",
      actor: "seed",
    });
    let buyersGranted = 0;
    for (let round = 0; round < 15; round++) {
      const seen = await read("sku=HOT&location=main");
      const current = seen.body.levels[0]!;
      const [a, b, ...buyers] = await Promise.all([
        post({
          token: erp.token,
          body: {
            reason: "cycle_count",
            lines: [{ sku: "HOT", quantity: current.quantity + 7, compareQuantity: current.quantity }],
          },
        }),
        post({
          token: wms.token,
          body: {
            reason: "received",
            lines: [{ sku: "HOT", quantity: current.quantity + 3, compareVersion: current.version }],
          },
        }),
        ...Array.from({ length: 3 }, () =>
          hold("HOT", 2).then(
            () => true,
            () => false,
          ),
        ),
      ]);
      buyersGranted += buyers.filter(Boolean).length;
      const outcomes = [line(a.body, 0), line(b.body, 0)];
      const winners = outcomes.filter((o) => o.outcome === "applied");
      const losers = outcomes.filter((o) => o.outcome === "refused");
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0]!.error).toMatchObject({
        code: "compare_failed",
        quantity: winners[0]!.quantity,
        version: winners[0]!.version,
      });
      const now = await level("HOT");
      expect(now.quantity).toBe(winners[0]!.quantity);
      expect(now.reserved).toBeLessThanOrEqual(now.quantity);
    }
    expect(buyersGranted).toBeGreaterThan(0);
    // Nothing lost: the ledger replays to the quantity, holds to reserved (reconcile in afterEach).
    const { rows } = await db.pool.query<{ sum: number; n: number }>(
      `SELECT sum(delta)::int AS sum, count(*) FILTER (WHERE reason = 'sync')::int AS n FROM "StockLedgerEntry" WHERE sku = 'HOT'`,
    );
    expect(rows[0]).toEqual({ sum: (await level("HOT")).quantity, n: 15 });
  });

  it("a write to zero while buyers hold: below_held names the units held, never reserved above quantity", async () => {
    await stock.upsertItems(SHOP, [{ sku: "LAST", productId: "last", quantity: 6 }], {
      reason: "import",
      actor: "seed",
    });
    const results = await Promise.all([
      hold("LAST", 2).then(
        () => "held",
        () => "refused",
      ),
      post({ body: { reason: "shrinkage", lines: [{ sku: "LAST", quantity: 1 }] } }),
      hold("LAST", 2).then(
        () => "held",
        () => "refused",
      ),
      post({ token: wms.token, body: { reason: "damaged", lines: [{ sku: "LAST", quantity: 0 }] } }),
    ]);
    const after = await level("LAST");
    expect(after.reserved).toBeLessThanOrEqual(after.quantity);
    for (const answer of [results[1], results[3]] as Array<Awaited<ReturnType<typeof post>>>) {
      const outcome = line(answer.body, 0);
      if (outcome.outcome === "refused") {
        expect(outcome.error?.code).toBe("below_held");
        expect(outcome.error?.held).toBeGreaterThan(outcome.quantity);
      }
    }
    const held = results.filter((r) => r === "held").length;
    expect(after.reserved).toBe(held * 2);
  });
});

describe("reading inventory", () => {
  it("lists every variant at every location with quantity, reserved, available and version, a page at a time", async () => {
    await hold("CAP", 2);
    const all = await read("");
    expect(all.status).toBe(200);
    expect(all.body.levels.map((l) => `${l.sku}/${l.variantKey}@${l.location}`)).toEqual([
      "CAP/@main",
      "CAP/@north",
      "TEE/size=m@main",
      "TEE/size=m@north",
    ]);
    expect(all.body.levels[0]).toMatchObject({ quantity: 6, reserved: 2, available: 4, incoming: 0 });
    expect(all.body.levels[3]).toMatchObject({ quantity: 0, reserved: 0, available: 0 });
    const first = await read("limit=3");
    expect(first.body.levels).toHaveLength(3);
    const rest = await read(`limit=3&cursor=${first.body.nextCursor}`);
    expect([...first.body.levels, ...rest.body.levels]).toEqual(all.body.levels);
    expect(rest.body.nextCursor).toBeNull();
    expect((await read("sku=TEE&location=north")).body.levels).toHaveLength(1);
    expect((await read("location=south")).status).toBe(404);
    const bad = await read("limit=0&cursor=zzz&color=red");
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(["color", "cursor", "limit"]);
    expect((await read("", wms.token, "shop-nope")).status).toBe(403);
    // A forged cursor holding a NUL (PostgreSQL text cannot) is refused like any other, not a 500.
    const forged = Buffer.from(JSON.stringify(["TEE\u0000", "", "main"])).toString("base64url");
    const nul = await read(`cursor=${forged}`);
    expect(nul.status).toBe(400);
    expect(nul.body.errors?.map((e) => e.field)).toEqual(["cursor"]);
  });
});
