import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { createJsonHoldStore } from "../src/holds/json-hold-store.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import { createJsonInventoryStore } from "../src/inventory/json-inventory-store.ts";
import { startReadyWorker } from "./support/start-ready-worker.ts";

const worker = fileURLToPath(new URL("./fixtures/json-hold-worker.ts", import.meta.url));
let dataDir: string;

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const startWorker = (command: object) => startReadyWorker<Record<string, number>>(worker, command);

it("grants exactly 10 of 500 single-unit holds sent from two OS processes at a 10-unit variant (JSON backend)", async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "acme-json-holds-"));
  const stock = createJsonInventoryStore({ dataDir });
  await stock.upsertItems("flash", [{ sku: "HOT", productId: "hot", quantity: 10 }], {
    reason: "import",
    actor: "test",
  });

  const workers = [0, 1].map(() => startWorker({ dataDir, shopId: "flash", sku: "HOT", requests: 250 }));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin.write("go\n");
  const summaries = (await Promise.all(workers.map((w) => w.done))) as Array<Record<string, number>>;

  const granted = summaries.reduce((total, s) => total + (s.granted ?? 0), 0);
  const refused = summaries.reduce((total, s) => total + (s.inventory_insufficient ?? 0), 0);
  expect({ granted, refused }).toEqual({ granted: 10, refused: 490 });
  expect(await stock.getItem("flash", { sku: "HOT", variantKey: "" })).toMatchObject({
    quantity: 10,
    reserved: 10,
    available: 0,
  });
  const holds = createJsonHoldStore({ dataDir });
  expect((await holds.listHolds({ shopId: "flash", now: new Date(), limit: 1000 })).length).toBe(10);
  expect((await reconcileInventoryReserved({ store: holds })).drift).toEqual([]);
  await stock.close();
}, 120_000);
