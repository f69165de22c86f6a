import {
  createInventoryHold,
  createPrismaHoldStore,
  createPrismaInventoryStore,
  createPrismaLocationStore,
  type InventoryStore,
  type LocationStore,
} from "@acme/platform-core";
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
 * The CMS's location routes against its production build on PostgreSQL: what each answers (status, code, the field
 * at fault), and that a refused request changes nothing.
 */

const SHOP = "shop-a";
const PASSWORD = "correct horse battery staple";
const TEE = { sku: "TEE", variantKey: "size=m" };
const CAP = { sku: "CAP", variantKey: "" };

let db: TestDatabase;
let store: InventoryStore;
let locations: LocationStore;
let cms: TestCms;
let editor: CmsClient;
let viewer: CmsClient;

interface ErrorBody {
  code: string;
  message: string;
  errors?: Array<{ field: string; message: string }>;
  held?: number;
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

async function levels(ref = TEE): Promise<Record<string, number>> {
  const rows = await locations.listLevels(SHOP, { refs: [ref] });
  return Object.fromEntries(rows.map((row) => [row.location, row.quantity]));
}

beforeAll(async () => {
  db = await createTestDatabase();
  store = createPrismaInventoryStore(db);
  locations = createPrismaLocationStore(db);
  await store.upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 10, lowStockThreshold: 4 },
      { sku: "CAP", productId: "cap", quantity: 6, lowStockThreshold: 2 },
    ],
    { reason: "import", actor: "seed" },
  );
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@a.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "viewer@a.test",
    password: PASSWORD,
    role: "viewer",
    shops: [SHOP],
  });
  cms = await startCmsForTest({ databaseUrl: db.url });
  editor = await signIn(cms, "editor@a.test", PASSWORD);
  viewer = await signIn(cms, "viewer@a.test", PASSWORD);
}, 180_000);

afterAll(async () => {
  await cms?.stop();
  await store?.close().catch(() => {});
  await db?.destroy();
});

describe("locations API", () => {
  it("lists the main location with its stock, and adds one, naming each bad field and a taken code", async () => {
    const listed = await viewer.request(`/api/shops/${SHOP}/locations`);
    expect(listed.status).toBe(200);
    expect(await json(listed)).toMatchObject({
      strategy: "fewest_locations",
      backend: "prisma",
      locations: [{ code: "main", isDefault: true, online: true, onHand: 16, held: 0, incoming: 0, variants: 2 }],
    });

    const bad = await send(editor, "POST", "/locations", { code: "North!", name: " ", kind: "shed", priority: -1 });
    expect(bad.status).toBe(400);
    const refused = await json(bad);
    expect(refused.code).toBe("validation_failed");
    expect(refused.errors!.map((e) => e.field).sort()).toEqual(["code", "kind", "name", "priority"]);
    const unknown = await send(editor, "POST", "/locations", { code: "north", name: "North", colour: "red" });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).errors![0]!.message).toContain("has unknown fields colour");
    // A viewer, or a request without the CSRF token, is refused before anything is read.
    expect((await send(viewer, "POST", "/locations", { code: "north", name: "North" })).status).toBe(403);
    const forged = await editor.request(`/api/shops/${SHOP}/locations`, {
      method: "POST",
      csrf: false,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "north", name: "North" }),
    });
    expect(forged.status).toBe(403);
    expect((await locations.listLocations(SHOP)).map((l) => l.code)).toEqual(["main"]);

    const created = await send(editor, "POST", "/locations", {
      code: "north",
      name: "North store",
      kind: "store",
      priority: 10,
    });
    expect(created.status).toBe(201);
    expect((await json<{ location: unknown }>(created)).location).toMatchObject({
      code: "north",
      name: "North store",
      kind: "store",
      priority: 10,
      online: true,
    });
    const taken = await send(editor, "POST", "/locations", { code: "north", name: "Another" });
    expect(taken.status).toBe(409);
    expect(await json(taken)).toMatchObject({ code: "conflict", errors: [{ field: "code" }] });
    expect((await locations.listLocations(SHOP)).map((l) => [l.code, l.name])).toEqual([
      ["north", "North store"],
      ["main", "Main warehouse"],
    ]);
  });

  it("transfers stock: refuses what is not free at the source by line, names other fields, moves at once or in transit", async () => {
    const short = await send(editor, "POST", "/locations/transfers", {
      from: "main",
      to: "north",
      lines: [
        { ...CAP, quantity: 2 },
        { ...TEE, quantity: 11 },
      ],
    });
    expect(short.status).toBe(409);
    expect(await json(short)).toMatchObject({
      code: "conflict",
      errors: [{ field: "lines.1.quantity", message: "11 asked, 10 free at main" }],
    });
    const same = await send(editor, "POST", "/locations/transfers", {
      from: "main",
      to: "main",
      lines: [{ ...TEE, quantity: 0 }],
    });
    expect(same.status).toBe(400);
    expect((await json(same)).errors!.map((e) => e.field)).toContain("lines.0.quantity");
    const nowhere = await send(editor, "POST", "/locations/transfers", {
      from: "main",
      to: "south",
      lines: [{ ...TEE, quantity: 1 }],
    });
    expect(nowhere.status).toBe(400);
    expect((await json(nowhere)).errors).toEqual([
      { field: "to", message: expect.stringContaining("south") as unknown },
    ]);
    expect(await levels()).toEqual({ main: 10 });
    expect(await locations.listTransfers(SHOP)).toEqual([]);

    const now = await send(editor, "POST", "/locations/transfers", {
      transferId: "tr_api_now",
      from: "main",
      to: "north",
      lines: [{ ...TEE, quantity: 4 }],
      note: "shelf for the window",
    });
    expect(now.status).toBe(201);
    expect((await json<{ transfer: unknown }>(now)).transfer).toMatchObject({
      status: "received",
      actor: "editor@a.test",
    });
    // The same id again is the same transfer: nothing moves twice.
    const retried = await send(editor, "POST", "/locations/transfers", {
      transferId: "tr_api_now",
      from: "main",
      to: "north",
      lines: [{ ...TEE, quantity: 4 }],
      note: "shelf for the window",
    });
    expect(retried.status).toBe(201);
    expect(await levels()).toEqual({ main: 6, north: 4 });

    const moving = await send(editor, "POST", "/locations/transfers", {
      from: "main",
      to: "north",
      lines: [{ ...CAP, quantity: 2 }],
      inTransit: true,
    });
    expect(moving.status).toBe(201);
    const { transfer } = await json<{ transfer: { id: string; status: string } }>(moving);
    expect(transfer.status).toBe("in_transit");
    expect(await levels(CAP)).toEqual({ main: 4, north: 0 });
    const listed = await json<{ transfers: Array<{ id: string; status: string }> }>(
      await viewer.request(`/api/shops/${SHOP}/locations/transfers?status=in_transit`),
    );
    expect(listed.transfers.map((t) => t.id)).toEqual([transfer.id]);
    expect((await viewer.request(`/api/shops/${SHOP}/locations/transfers?status=lost`)).status).toBe(400);
    expect(
      (await viewer.request(`/api/shops/${SHOP}/locations/transfers/${transfer.id}/receive`, { method: "POST" }))
        .status,
    ).toBe(403);
    const received = await editor.request(`/api/shops/${SHOP}/locations/transfers/${transfer.id}/receive`, {
      method: "POST",
    });
    expect(received.status).toBe(200);
    expect((await json<{ transfer: unknown }>(received)).transfer).toMatchObject({
      status: "received",
      receivedBy: "editor@a.test",
    });
    expect(await levels(CAP)).toEqual({ main: 4, north: 2 });
    const again = await editor.request(`/api/shops/${SHOP}/locations/transfers/${transfer.id}/receive`, {
      method: "POST",
    });
    expect(again.status).toBe(200);
    expect(await levels(CAP)).toEqual({ main: 4, north: 2 });
    expect(
      (await editor.request(`/api/shops/${SHOP}/locations/transfers/tr_none/receive`, { method: "POST" })).status,
    ).toBe(404);
  });

  it("edits a location, refusing to take it offline while units are held there, and sets the allocation strategy", async () => {
    const hold = await createInventoryHold({
      shopId: SHOP,
      requests: [{ ...TEE, quantity: 3 }],
      ttlSeconds: 600,
      store: createPrismaHoldStore(db),
    });
    expect(await locations.listLevels(SHOP, { refs: [TEE], location: "north" })).toMatchObject([{ reserved: 3 }]);
    const offline = await send(editor, "PATCH", "/locations", { code: "north", fulfilsOnline: false });
    expect(offline.status).toBe(409);
    expect(await json(offline)).toMatchObject({
      code: "conflict",
      held: 3,
      errors: [{ message: "units are held here" }],
    });
    expect((await locations.listLocations(SHOP)).find((l) => l.code === "north")).toMatchObject({ online: true });

    const renamed = await send(editor, "PATCH", "/locations", { code: "north", name: "North shop", priority: 20 });
    expect(renamed.status).toBe(200);
    expect((await json<{ location: unknown }>(renamed)).location).toMatchObject({ name: "North shop", priority: 20 });
    expect((await send(editor, "PATCH", "/locations", { code: "nowhere", name: "x" })).status).toBe(404);
    const badValue = await send(editor, "PATCH", "/locations", { code: "north", active: "no" });
    expect(badValue.status).toBe(400);
    expect((await json(badValue)).errors!.map((e) => e.field)).toEqual(["active"]);
    await createPrismaHoldStore(db).releaseHold({ shopId: SHOP, holdId: hold.holdId, now: new Date() });

    const strategy = await send(editor, "PUT", "/locations/strategy", { strategy: "nearest" });
    expect(strategy.status).toBe(400);
    expect((await json(strategy)).errors!.map((e) => e.field)).toEqual(["strategy"]);
    expect((await send(viewer, "PUT", "/locations/strategy", { strategy: "priority" })).status).toBe(403);
    const set = await send(editor, "PUT", "/locations/strategy", { strategy: "priority" });
    expect(set.status).toBe(200);
    expect(await locations.getAllocationStrategy(SHOP)).toBe("priority");
  });

  it("the grid reads each variant's levels and edits a quantity at a location; history and low stock filter by it", async () => {
    const page = await json<{ items: Array<{ sku: string; quantity: number; version: number; levels: unknown[] }> }>(
      await viewer.request(`/api/shops/${SHOP}/inventory?location=north`),
    );
    const tee = page.items.find((item) => item.sku === "TEE")!;
    expect(tee.quantity).toBe(10);
    expect(tee.levels).toEqual([
      { location: "main", quantity: 6, reserved: 0, available: 6, incoming: 0 },
      { location: "north", quantity: 4, reserved: 0, available: 4, incoming: 0 },
    ]);
    expect((await viewer.request(`/api/shops/${SHOP}/inventory?location=North`)).status).toBe(400);

    const edit = await send(editor, "PATCH", "/inventory", {
      ...TEE,
      expectedVersion: tee.version,
      location: "north",
      quantity: 1,
      reason: "damage",
    });
    expect(edit.status).toBe(200);
    const edited = await json<{ item: { quantity: number }; levels: Array<{ location: string; quantity: number }> }>(
      edit,
    );
    expect(edited.item.quantity).toBe(7);
    expect(edited.levels.map((l) => [l.location, l.quantity])).toEqual([
      ["main", 6],
      ["north", 1],
    ]);
    const [entry] = await store.listLedger(SHOP, { ...TEE, limit: 1 });
    expect(entry).toMatchObject({ location: "north", delta: -3, reason: "damage", actor: "editor@a.test" });
    // A location the shop does not have is refused by field, and the location alone is not an edit.
    const current = (await store.getItem(SHOP, TEE))!;
    const nowhere = await send(editor, "PATCH", "/inventory", {
      ...TEE,
      expectedVersion: current.version,
      location: "south",
      quantity: 1,
      reason: "edit",
    });
    expect(nowhere.status).toBe(400);
    expect((await json(nowhere)).errors!.map((e) => e.field)).toEqual(["location"]);
    const alone = await send(editor, "PATCH", "/inventory", {
      ...TEE,
      expectedVersion: current.version,
      location: "north",
    });
    expect(alone.status).toBe(400);
    expect(await levels()).toEqual({ main: 6, north: 1 });

    const history = await json<{ entries: Array<{ location: string; reason: string }> }>(
      await viewer.request(`/api/shops/${SHOP}/inventory/history?sku=TEE&variantKey=size%3Dm&location=north`),
    );
    expect(history.entries.map((e) => `${e.reason}@${e.location}`)).toEqual(["damage@north", "transfer_in@north"]);

    // 1 free at north, under TEE's threshold of 4 (and CAP's 2 at its threshold): low there, though the shop totals
    // (7 and 6) are not.
    const north = await json<{ location: string; low: Array<{ sku: string; here: { available: number } }> }>(
      await viewer.request(`/api/shops/${SHOP}/low-stock?location=north`),
    );
    expect(north.location).toBe("north");
    expect(north.low.map((row) => [row.sku, row.here.available])).toEqual([
      ["TEE", 1],
      ["CAP", 2],
    ]);
    const shop = await json<{ low: Array<{ sku: string }> }>(await viewer.request(`/api/shops/${SHOP}/low-stock`));
    expect(shop.low.map((row) => row.sku)).toEqual([]);
    expect((await viewer.request(`/api/shops/${SHOP}/low-stock?location=south`)).status).toBe(404);
  });
});
