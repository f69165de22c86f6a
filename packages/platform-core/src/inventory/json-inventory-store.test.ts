import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isInventoryError } from "../errors/inventory-error.ts";
import { writeFileAtomic } from "./json/atomic-write.ts";
import { readShopState, shopFilePath, withShopFile } from "./json/shop-file.ts";
import type { ShopFileV1, StoredLedgerEntry } from "./json/shop-file-format.ts";
import { assertJsonBackendAllowed, createJsonInventoryStore } from "./json-inventory-store.ts";
import type { InventoryStore } from "./inventory-store.ts";

// JSON-specific behaviour: file format, locking across OS processes, atomic
// replacement, production refusal. The shared contract suite covers the
// generic store semantics for both backends.

const packageDir = resolve(import.meta.dirname, "../..");
const workerScript = join(packageDir, "test/fixtures/json-store-worker.ts");
const change = { reason: "restock" as const, actor: "test" };

interface WorkerSummary {
  ok: number;
  failures: string[];
  ms?: number;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  go(): void;
  done: Promise<WorkerSummary>;
}

/** Starts the fixture in its own Node process; it waits for `go()` before working. */
function startWorker(command: Record<string, unknown>): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", workerScript, JSON.stringify(command)], {
    cwd: packageDir,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolveReady) => {
    markReady = resolveReady;
  });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (stdout.includes("ready\n")) markReady();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<WorkerSummary>((resolveDone, rejectDone) => {
    child.on("error", rejectDone);
    child.on("exit", (code, signal) => {
      if (code !== 0) {
        rejectDone(new Error(`worker exited with ${code ?? signal}: ${stderr}`));
        return;
      }
      const last = stdout.trim().split("\n").at(-1) ?? "{}";
      resolveDone(JSON.parse(last) as WorkerSummary);
    });
  });
  // A worker that dies before "ready" must fail the test, not hang it.
  void done.catch(() => markReady());
  return { child, ready, go: () => child.stdin?.end("go\n"), done };
}

async function readFileState(dataDir: string, shopId: string): Promise<ShopFileV1> {
  return JSON.parse(await readFile(shopFilePath(dataDir, shopId), "utf8")) as ShopFileV1;
}

/** Every entry through `listLedger`, paging with `beforeId` (newest first). */
async function allLedgerEntries(store: InventoryStore, shopId: string) {
  const entries = [];
  let beforeId: string | undefined;
  for (;;) {
    const page = await store.listLedger(shopId, { limit: 1000, ...(beforeId ? { beforeId } : {}) });
    entries.push(...page);
    if (page.length < 1000) return entries;
    beforeId = page.at(-1)?.id;
  }
}

function sumDeltas(ledger: StoredLedgerEntry[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const entry of ledger) {
    const key = `${entry.sku}|${entry.variantKey}`;
    sums.set(key, (sums.get(key) ?? 0) + entry.delta);
  }
  return sums;
}

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "json-inventory-"));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("assertJsonBackendAllowed", () => {
  it("refuses production unless forced, naming the split-brain risk", () => {
    let thrown: unknown;
    try {
      assertJsonBackendAllowed({ NODE_ENV: "production", INVENTORY_ALLOW_JSON_IN_PRODUCTION: false });
    } catch (error) {
      thrown = error;
    }
    expect(isInventoryError(thrown, "misconfigured")).toBe(true);
    expect((thrown as Error).message).toMatch(/split brain/);
    expect((thrown as Error).message).toMatch(/INVENTORY_ALLOW_JSON_IN_PRODUCTION/);
  });

  it("allows production when forced, and development and test always", () => {
    expect(() =>
      assertJsonBackendAllowed({ NODE_ENV: "production", INVENTORY_ALLOW_JSON_IN_PRODUCTION: true }),
    ).not.toThrow();
    expect(() =>
      assertJsonBackendAllowed({ NODE_ENV: "development", INVENTORY_ALLOW_JSON_IN_PRODUCTION: false }),
    ).not.toThrow();
    expect(() =>
      assertJsonBackendAllowed({ NODE_ENV: "test", INVENTORY_ALLOW_JSON_IN_PRODUCTION: false }),
    ).not.toThrow();
  });
});

describe("file format", () => {
  it("writes one versioned file per shop, dates as ISO strings, and reads them back as Dates", async () => {
    const store = createJsonInventoryStore({ dataDir });
    await store.upsertItems(
      "shop-a",
      [{ sku: "TEE", productId: "tee", variantAttributes: { Size: "M" }, quantity: 3 }],
      {
        reason: "import",
        actor: "ops@example.com",
      },
    );
    const file = await readFileState(dataDir, "shop-a");
    expect(file).toMatchObject({ formatVersion: 1, shopId: "shop-a", nextLedgerId: 2, holds: [] });
    expect(file.items).toHaveLength(1);
    expect(file.items[0]).toMatchObject({ sku: "TEE", variantKey: "size=m", quantity: 3, reserved: 0, version: 1 });
    expect(file.items[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(file.ledger).toEqual([
      expect.objectContaining({
        id: "1",
        sku: "TEE",
        delta: 3,
        quantityAfter: 3,
        reason: "import",
        holdId: null,
        note: null,
      }),
    ]);

    // A fresh store (think: another process) sees the same state, with real Dates.
    const other = createJsonInventoryStore({ dataDir });
    const item = await other.getItem("shop-a", { sku: "TEE", variantKey: "size=m" });
    expect(item?.createdAt).toBeInstanceOf(Date);
    expect(item?.createdAt.toISOString()).toBe(file.items[0]?.createdAt);
    const [entry] = await other.listLedger("shop-a");
    expect(entry?.createdAt).toBeInstanceOf(Date);
    await Promise.all([store.close(), other.close()]);
  });

  it("refuses a file written in a newer format instead of misreading it", async () => {
    await writeFile(
      join(dataDir, "shop-a.json"),
      JSON.stringify({ formatVersion: 2, shopId: "shop-a", items: [], ledger: [], holds: [], nextLedgerId: 1 }),
    );
    const store = createJsonInventoryStore({ dataDir });
    await expect(store.listItems("shop-a")).rejects.toMatchObject({ code: "misconfigured" });
    await expect(
      store.upsertItems("shop-a", [{ sku: "X", productId: "x", quantity: 1 }], { reason: "import", actor: "t" }),
    ).rejects.toMatchObject({ code: "misconfigured" });
    // The newer file is left as it was.
    expect((await readFileState(dataDir, "shop-a")).formatVersion).toBe(2);
  });

  it("reads an item written before purchase limits as having none, and keeps it so until one is set", async () => {
    const stored = {
      sku: "A",
      variantKey: "",
      productId: "a",
      variantAttributes: {},
      quantity: 2,
      reserved: 0,
      lowStockThreshold: null,
      version: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    };
    await writeFile(
      join(dataDir, "shop-a.json"),
      JSON.stringify({ formatVersion: 1, shopId: "shop-a", items: [stored], ledger: [], holds: [], nextLedgerId: 1 }),
    );
    const store = createJsonInventoryStore({ dataDir });
    expect(await store.getItem("shop-a", { sku: "A", variantKey: "" })).toMatchObject({
      purchaseLimit: null,
      version: 1,
    });
    // null is what the item has already: no change, no rewrite.
    expect(
      await store.upsertItems("shop-a", [{ sku: "A", productId: "a", quantity: 2, purchaseLimit: null }], change),
    ).toMatchObject({ unchanged: 1 });
    expect(
      await store.updateItem({ shopId: "shop-a", sku: "A", variantKey: "", purchaseLimit: null, actor: "t" }),
    ).toMatchObject({ version: 1 });
    expect((await readFileState(dataDir, "shop-a")).items[0]).not.toHaveProperty("purchaseLimit");
    expect(
      await store.updateItem({
        shopId: "shop-a",
        sku: "A",
        variantKey: "",
        purchaseLimit: 2,
        actor: "t",
        expectedVersion: 1,
      }),
    ).toMatchObject({ purchaseLimit: 2, version: 2 });
    expect((await readFileState(dataDir, "shop-a")).items[0]).toMatchObject({ purchaseLimit: 2 });
    await store.close();
  });

  it("lists shops from files with items, skipping empty shops, temp files, locks and strangers", async () => {
    const store = createJsonInventoryStore({ dataDir });
    await store.upsertItems("shop-b", [{ sku: "A", productId: "a", quantity: 0 }], change);
    await store.upsertItems("shop-a", [{ sku: "A", productId: "a", quantity: 1 }], change);
    await writeFile(
      join(dataDir, "shop-empty.json"),
      JSON.stringify({ formatVersion: 1, shopId: "shop-empty", items: [], ledger: [], holds: [], nextLedgerId: 1 }),
    );
    await writeFile(join(dataDir, ".shop-a.json.123.abc.tmp"), "{ torn");
    await mkdir(join(dataDir, "shop-c.json.lock"));
    await writeFile(join(dataDir, "Not A Shop.json"), "{}");
    await writeFile(join(dataDir, "notes.txt"), "hello");
    expect(await store.listShops()).toEqual(["shop-a", "shop-b"]);
    await store.close();
  });

  it("does not create or rewrite a file when nothing changes", async () => {
    const store = createJsonInventoryStore({ dataDir });
    const shopFile = shopFilePath(dataDir, "shop-a");
    await expect(
      store.adjustQuantity({ shopId: "shop-a", sku: "A", variantKey: "", delta: 1, ...change }),
    ).rejects.toMatchObject({
      code: "not_found",
    });
    await store.upsertItems("shop-a", [], change);
    await expect(stat(shopFile)).rejects.toMatchObject({ code: "ENOENT" });

    await store.upsertItems("shop-a", [{ sku: "A", productId: "a", quantity: 2 }], change);
    const before = await stat(shopFile);
    const again = await store.upsertItems("shop-a", [{ sku: "A", productId: "a", quantity: 2 }], change);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    // A rewrite would replace the inode (rename), so an unchanged inode proves no write.
    expect((await stat(shopFile)).ino).toBe(before.ino);
    await store.close();
  });
});

describe("atomic writes", () => {
  it("removes its temp file when the write fails", async () => {
    const target = join(dataDir, "target.json");
    await mkdir(target); // renaming a file over a directory fails
    await expect(writeFileAtomic(target, "{}")).rejects.toThrow();
    expect((await readdir(dataDir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("never lets a reader see a partial file while another process writes", async () => {
    const store = createJsonInventoryStore({ dataDir });
    // A large file (~0.5 MB) takes many write syscalls, so a torn write would be visible.
    const inputs = Array.from({ length: 3000 }, (_, i) => ({
      sku: `SKU-${String(i).padStart(5, "0")}`,
      productId: `product-${i}`,
      variantAttributes: { size: "M", colour: "Forest green", fit: "regular" },
      quantity: 50,
    }));
    await store.upsertItems("shop-a", [{ sku: "HOT", productId: "hot", quantity: 0 }, ...inputs], {
      reason: "import",
      actor: "t",
    });
    const shopFile = shopFilePath(dataDir, "shop-a");
    const writes = 150;
    const worker = startWorker({ mode: "writer", dataDir, shopId: "shop-a", hotSku: "HOT", writes });
    await worker.ready;
    worker.go();

    let finished = false;
    const done = worker.done.finally(() => {
      finished = true;
    });
    let reads = 0;
    let lastSeen = 0;
    const distinct = new Set<number>();
    while (!finished) {
      const text = await readFile(shopFile, "utf8");
      const file = JSON.parse(text) as ShopFileV1; // throws on a torn file
      expect(file.items).toHaveLength(3001);
      const hot = file.items.find((item) => item.sku === "HOT");
      expect(hot).toBeDefined();
      // Whole versions only, and never an older one after a newer one.
      expect(hot!.quantity).toBeGreaterThanOrEqual(lastSeen);
      expect(file.ledger).toHaveLength(3000 + hot!.quantity);
      lastSeen = hot!.quantity;
      distinct.add(hot!.quantity);
      reads += 1;
    }
    expect(await done).toMatchObject({ ok: writes, failures: [] });
    expect(reads).toBeGreaterThan(10);
    expect(distinct.size).toBeGreaterThan(1); // the reader really overlapped the writes
    expect((await store.getItem("shop-a", { sku: "HOT", variantKey: "" }))?.quantity).toBe(writes);
    await store.close();
  }, 120_000);

  it("leaves a whole file when a writer is killed mid-way, and carries on after its lock goes stale", async () => {
    const store = createJsonInventoryStore({ dataDir });
    const inputs = Array.from({ length: 2000 }, (_, i) => ({ sku: `SKU-${i}`, productId: "p", quantity: 5 }));
    await store.upsertItems("shop-a", [{ sku: "HOT", productId: "hot", quantity: 0 }, ...inputs], {
      reason: "import",
      actor: "t",
    });
    const worker = startWorker({ mode: "writer", dataDir, shopId: "shop-a", hotSku: "HOT", writes: 100_000 });
    await worker.ready;
    worker.go();
    const shopFile = shopFilePath(dataDir, "shop-a");
    let exited = false;
    void worker.done
      .catch(() => undefined)
      .finally(() => {
        exited = true;
      });
    // Kill once it has written a few times, most likely mid-write or holding the lock.
    while (!exited) {
      const file = JSON.parse(await readFile(shopFile, "utf8")) as ShopFileV1;
      if ((file.items.find((item) => item.sku === "HOT")?.quantity ?? 0) >= 20) break;
    }
    worker.child.kill("SIGKILL");
    await expect(worker.done).rejects.toThrow(/SIGKILL/);

    const file = await readFileState(dataDir, "shop-a");
    const hot = file.items.find((item) => item.sku === "HOT");
    expect(sumDeltas(file.ledger).get("HOT|")).toBe(hot?.quantity);

    // A killed process cannot release its lock; age it past `stale` as time would.
    const lockDir = `${shopFile}.lock`;
    const old = new Date(Date.now() - 60_000);
    await utimes(lockDir, old, old).catch(() => undefined);
    const after = await store.adjustQuantity({ shopId: "shop-a", sku: "HOT", variantKey: "", delta: 1, ...change });
    expect(after.quantity).toBe((hot?.quantity ?? 0) + 1);
    await store.close();
  }, 60_000);
});

describe("locking", () => {
  it("waits for a live lock held elsewhere, then fails with unavailable", async () => {
    const shopFile = shopFilePath(dataDir, "shop-a");
    await mkdir(`${shopFile}.lock`); // fresh mtime: another process is working
    const started = Date.now();
    await expect(withShopFile(dataDir, "shop-a", () => "never", { lockWaitMs: 300 })).rejects.toMatchObject({
      code: "unavailable",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("never takes quantity below held units, naming every offending import row", async () => {
    const store = createJsonInventoryStore({ dataDir });
    await store.upsertItems(
      "shop-a",
      [
        { sku: "A", productId: "a", quantity: 10 },
        { sku: "B", productId: "b", quantity: 10 },
        { sku: "C", productId: "c", quantity: 10 },
      ],
      change,
    );
    // Holds are not in this backend yet; reserve through the same helper they will use.
    await withShopFile(dataDir, "shop-a", (state) => {
      for (const item of state.items.values()) item.reserved = 4;
    });
    const before = await readFile(shopFilePath(dataDir, "shop-a"), "utf8");

    const rejected = await store
      .upsertItems(
        "shop-a",
        [
          { sku: "A", productId: "a", quantity: 3 },
          { sku: "NEW", productId: "n", quantity: 1 },
          { sku: "B", productId: "b", quantity: 4 },
          { sku: "C", productId: "c", quantity: 0 },
        ],
        change,
      )
      .catch((error: unknown) => error);
    expect(rejected).toMatchObject({
      code: "conflict",
      details: {
        errors: [
          expect.objectContaining({ index: 0, field: "quantity" }),
          expect.objectContaining({ index: 3, field: "quantity" }),
        ],
      },
    });
    await expect(
      store.setQuantity({ shopId: "shop-a", sku: "A", variantKey: "", quantity: 3, ...change }),
    ).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/4 units are held/) as unknown,
    });
    await expect(
      store.adjustQuantity({ shopId: "shop-a", sku: "A", variantKey: "", delta: -7, ...change }),
    ).rejects.toMatchObject({
      code: "conflict",
      details: { reserved: 4, quantity: 3 },
    });
    // Below zero is bad input, not a conflict.
    await expect(
      store.adjustQuantity({ shopId: "shop-a", sku: "A", variantKey: "", delta: -11, ...change }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { errors: [expect.objectContaining({ field: "delta" })] },
    });
    expect(await readFile(shopFilePath(dataDir, "shop-a"), "utf8")).toBe(before);

    const down = await store.adjustQuantity({ shopId: "shop-a", sku: "A", variantKey: "", delta: -6, ...change });
    expect(down).toMatchObject({ quantity: 4, reserved: 4, available: 0 });
    await store.close();
  });

  it("writes nothing when the mutation throws", async () => {
    const store = createJsonInventoryStore({ dataDir });
    await store.upsertItems("shop-a", [{ sku: "A", productId: "a", quantity: 1 }], change);
    await expect(
      withShopFile(dataDir, "shop-a", (state) => {
        state.items.clear();
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect((await readShopState(dataDir, "shop-a")).items.size).toBe(1);
    await store.close();
  });

  it("loses no update with 500+ concurrent callers across three OS processes", async () => {
    const store = createJsonInventoryStore({ dataDir });
    await store.upsertItems("shop-a", [{ sku: "HOT", productId: "hot", quantity: 5, lowStockThreshold: 2 }], {
      reason: "import",
      actor: "t",
    });
    const adjusts = 250;
    const imports = 5;
    const ownItems = 10;
    const sharedItems = 10;
    const workers = ["w1", "w2"].map((workerId) =>
      startWorker({
        mode: "hammer",
        dataDir,
        shopId: "shop-a",
        workerId,
        adjusts,
        hotSku: "HOT",
        imports,
        ownItems,
        sharedItems,
      }),
    );
    await Promise.all(workers.map((worker) => worker.ready));
    for (const worker of workers) worker.go();
    // This process joins in too.
    const local = 50;
    const localResults = await Promise.all(
      Array.from({ length: local }, () =>
        store.adjustQuantity({ shopId: "shop-a", sku: "HOT", variantKey: "", delta: 1, ...change }),
      ),
    );
    const summaries = await Promise.all(workers.map((worker) => worker.done));
    for (const summary of summaries) expect(summary).toMatchObject({ ok: adjusts + imports, failures: [] });
    expect(localResults).toHaveLength(local);

    const totalAdjusts = 2 * adjusts + local;
    const hot = await store.getItem("shop-a", { sku: "HOT", variantKey: "" });
    expect(hot).toMatchObject({ quantity: 5 + totalAdjusts, version: 1 + totalAdjusts, lowStockThreshold: 2 });

    // Ledger: ids 1..n without gaps or repeats, and replaying it gives every quantity.
    const file = await readFileState(dataDir, "shop-a");
    expect(file.ledger.map((entry) => entry.id)).toEqual(file.ledger.map((_, index) => String(index + 1)));
    expect(file.nextLedgerId).toBe(file.ledger.length + 1);
    const sums = sumDeltas(file.ledger);
    for (const item of file.items) expect(sums.get(`${item.sku}|${item.variantKey}`) ?? 0).toBe(item.quantity);
    expect(file.ledger.filter((entry) => entry.sku === "HOT")).toHaveLength(1 + totalAdjusts);
    // Each worker's own items: created once each, one ledger entry each.
    expect(file.items).toHaveLength(1 + 2 * imports * ownItems + sharedItems);
    expect(file.ledger.filter((entry) => entry.sku.startsWith("own-"))).toHaveLength(2 * imports * ownItems);
    // The public paging API sees the same ledger.
    const paged = await allLedgerEntries(store, "shop-a");
    expect(paged.map((entry) => entry.id)).toEqual(file.ledger.map((entry) => entry.id).reverse());
    // No temp files or locks left behind.
    expect((await readdir(dataDir)).sort()).toEqual(["shop-a.json"]);
    await store.close();
  }, 120_000);
});
