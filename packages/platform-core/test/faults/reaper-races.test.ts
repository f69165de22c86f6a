import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isInventoryError } from "../../src/errors/inventory-error.ts";
import { commitInventoryHold } from "../../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../../src/holds/create-inventory-hold.ts";
import { createJsonHoldStore } from "../../src/holds/json-hold-store.ts";
import { createPrismaHoldStore } from "../../src/holds/prisma-hold-store.ts";
import {
  releaseExpiredHoldsForAllShops,
  releaseExpiredInventoryHolds,
} from "../../src/holds/release-expired-inventory-holds.ts";
import { releaseInventoryHold } from "../../src/holds/release-inventory-hold.ts";
import type { HoldStore, HoldTransition } from "../../src/holds/types.ts";
import { createJsonInventoryStore } from "../../src/inventory/json-inventory-store.ts";
import { createPrismaInventoryStore } from "../../src/inventory/prisma-inventory-store.ts";
import type { InventoryStore } from "../../src/inventory/inventory-store.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { expectPostgresBooksBalance, expectStoreBooksBalance } from "./fault-checks.ts";

// The reaper racing commits and releases of the same holds, at a larger scale
// than the contract's "reaper racing a commit" (20 holds, commits only): up to
// 60 holds in two shops, lapsed and live, each with its own commit, release,
// both, or a repeated commit; one to four reapers (per shop or for all shops,
// with small batches); fast-check chooses the holds, the actions and the order
// in which every call is issued. Every hold must end with exactly one outcome.

const SHOPS = ["reap-a", "reap-b"];
const SKUS = ["X", "Y", "Z"];
const T0 = new Date("2026-11-24T12:00:00.000Z");
const NOW = new Date(T0.getTime() + 61_000);

type Action = "commit" | "release" | "commit+release" | "release+commit" | "commit+commit" | "none";

const holdArbitrary = fc.record({
  shop: fc.constantFrom(...SHOPS),
  lapsed: fc.boolean(),
  lines: fc.uniqueArray(fc.constantFrom(...SKUS), { minLength: 1, maxLength: 2 }),
  quantity: fc.integer({ min: 1, max: 3 }),
  action: fc.constantFrom<Action>("commit", "release", "commit+release", "release+commit", "commit+commit", "none"),
  /** How many event-loop turns each call waits before it is issued: fast-check's interleaving. */
  delays: fc.tuple(fc.nat(6), fc.nat(6)),
});
const reaperArbitrary = fc.record({
  allShops: fc.boolean(),
  batchSize: fc.integer({ min: 1, max: 25 }),
  delay: fc.nat(6),
});
const scenarioArbitrary = fc.record({
  holds: fc.array(holdArbitrary, { minLength: 20, maxLength: 60 }),
  reapers: fc.array(reaperArbitrary, { minLength: 1, maxLength: 4 }),
});

type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer T> ? T : never;

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

interface Harness {
  stock: InventoryStore;
  holds: HoldStore;
  booksBalance(shopId: string): Promise<void>;
}

async function runScenario(harness: Harness, scenario: Scenario) {
  const { stock, holds } = harness;
  for (const shopId of SHOPS) {
    await stock.upsertItems(
      shopId,
      SKUS.map((sku) => ({ sku, productId: sku.toLowerCase(), quantity: 1_000 })),
      { reason: "import", actor: "t" },
    );
  }
  const created = [];
  for (const spec of scenario.holds) {
    const { holdId } = await createInventoryHold({
      shopId: spec.shop,
      requests: spec.lines.map((sku) => ({ sku, quantity: spec.quantity })),
      ttlSeconds: spec.lapsed ? 60 : 3600,
      now: T0,
      store: holds,
    });
    created.push({ ...spec, holdId });
  }

  const wrong: string[] = [];
  const changed = new Map<string, { commit: number; release: number }>(
    created.map((hold) => [hold.holdId, { commit: 0, release: 0 }]),
  );
  async function act(kind: "commit" | "release", shopId: string, holdId: string, delay: number) {
    await turns(delay);
    let result: HoldTransition;
    try {
      result =
        kind === "commit"
          ? await commitInventoryHold({ shopId, holdId, now: NOW, store: holds })
          : await releaseInventoryHold({ shopId, holdId, now: NOW, store: holds });
    } catch (error) {
      // Committing a hold that was released or reaped first is a conflict; nothing else may go wrong.
      if (!(kind === "commit" && isInventoryError(error, "conflict")))
        wrong.push(`${kind} ${holdId}: ${String(error)}`);
      return;
    }
    if (result.changed) changed.get(holdId)![kind] += 1;
  }
  async function reap(reaper: Scenario["reapers"][number]) {
    await turns(reaper.delay);
    if (reaper.allShops)
      return (await releaseExpiredHoldsForAllShops({ now: NOW, batchSize: reaper.batchSize, store: holds })).released;
    let total = 0;
    for (const shopId of SHOPS)
      total += await releaseExpiredInventoryHolds({ shopId, limit: reaper.batchSize, now: NOW, store: holds });
    return total;
  }

  const calls: Array<Promise<unknown>> = [];
  for (const hold of created) {
    const kinds = hold.action === "none" ? [] : (hold.action.split("+") as Array<"commit" | "release">);
    kinds.forEach((kind, i) => calls.push(act(kind, hold.shop, hold.holdId, hold.delays[i]!)));
  }
  const reaped = scenario.reapers.map(reap);
  await Promise.all(calls);
  let released = (await Promise.all(reaped)).reduce((a, b) => a + b, 0);
  // A last reaper sweeps what the racing ones skipped (holds a commit had locked) or did not reach (small batches).
  released += (await releaseExpiredHoldsForAllShops({ now: NOW, batchSize: 1000, store: holds })).released;
  expect(wrong).toEqual([]);

  let expired = 0;
  for (const hold of created) {
    const view = (await holds.getHold({ shopId: hold.shop, holdId: hold.holdId, now: NOW }))!;
    const counts = changed.get(hold.holdId)!;
    const outcome = { holdId: hold.holdId, action: hold.action, lapsed: hold.lapsed, status: view.status, ...counts };
    // Exactly one outcome: the one call that changed the hold agrees with its status.
    if (view.status === "committed") expect(outcome).toEqual({ ...outcome, commit: 1, release: 0 });
    else if (view.status === "released") expect(outcome).toEqual({ ...outcome, commit: 0, release: 1 });
    else if (view.status === "expired") {
      expired += 1;
      expect(outcome).toEqual({ ...outcome, lapsed: true, commit: 0, release: 0 });
    } else
      expect(outcome).toEqual({ ...outcome, status: "active", lapsed: false, action: "none", commit: 0, release: 0 });
  }
  // The reapers together expired exactly the holds that read as expired: none twice, none over a commit or release.
  expect(released).toBe(expired);
  for (const shopId of SHOPS) await harness.booksBalance(shopId);
  return { holds: created.length, expired, reapers: scenario.reapers.length };
}

const figures = { runs: 0, holds: 0, expired: 0, reapers: 0 };
function tally(result: { holds: number; expired: number; reapers: number }) {
  figures.runs += 1;
  figures.holds += result.holds;
  figures.expired += result.expired;
  figures.reapers += result.reapers;
}

describe("reaper racing commits and releases (fast-check interleavings)", () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.destroy();
    console.info(`[faults] reaper races: ${JSON.stringify(figures)}`);
  });

  it("on PostgreSQL: every hold ends with exactly one outcome and the books balance", async () => {
    db = await createTestDatabase({ poolSize: 20 });
    const database = db;
    const holds = createPrismaHoldStore(database);
    const harness: Harness = {
      stock: createPrismaInventoryStore(database),
      holds,
      booksBalance: (shopId) => expectPostgresBooksBalance(database, holds, shopId),
    };
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        await database.pool.query(
          `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold" RESTART IDENTITY`,
        );
        tally(await runScenario(harness, scenario));
      }),
      { numRuns: 60, seed: 20261124 },
    );
  }, 60_000);

  it("on JSON files: every hold ends with exactly one outcome and the books balance", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const dataDir = await mkdtemp(path.join(tmpdir(), "acme-fault-reap-"));
        const stock = createJsonInventoryStore({ dataDir });
        const holds = createJsonHoldStore({ dataDir });
        try {
          tally(
            await runScenario(
              { stock, holds, booksBalance: (shopId) => expectStoreBooksBalance(stock, holds, shopId) },
              scenario,
            ),
          );
        } finally {
          await stock.close();
          await rm(dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 20, seed: 20261124 },
    );
  }, 60_000);
});
