// Shared checks for the fault tests: after every injected fault the books must
// balance. Each check re-reads state from storage, never from what callers saw.
import { expect } from "vitest";
import type { Database } from "../../src/db/prisma-client.ts";
import { reconcileInventoryReserved } from "../../src/holds/reconcile-reserved.ts";
import type { HoldStore } from "../../src/holds/types.ts";
import type { InventoryStore } from "../../src/inventory/inventory-store.ts";

/** A small seeded PRNG (mulberry32): the choices a test makes are the same on every run. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until `condition` holds. Bounded only by the test's own timeout: the
 * tests wait for counts (so many answers seen), never assert on durations.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, pollMs = 10): Promise<void> {
  while (!(await condition())) await sleep(pollMs);
}

/**
 * PostgreSQL: reconciliation is clean, every variant's ledger replays to its
 * quantity, stock never went negative, and each committed hold line has
 * exactly one `sale` entry (no other hold has any).
 */
export async function expectPostgresBooksBalance(database: Database, holds: HoldStore, shopId: string): Promise<void> {
  expect((await reconcileInventoryReserved({ store: holds, shopId })).drift).toEqual([]);
  const replay = await database.pool.query<{ sku: string; quantity: number; reserved: number; replayed: number }>(
    `SELECT i.sku, i.quantity, i.reserved, coalesce(sum(l.delta), 0)::int AS replayed
     FROM "InventoryItem" i
     LEFT JOIN "StockLedgerEntry" l ON l."shopId" = i."shopId" AND l.sku = i.sku AND l."variantKey" = i."variantKey"
     WHERE i."shopId" = $1 GROUP BY 1, 2, 3 ORDER BY 1`,
    [shopId],
  );
  for (const row of replay.rows) {
    expect({ sku: row.sku, replayed: row.replayed }).toEqual({ sku: row.sku, replayed: row.quantity });
    expect(row.quantity).toBeGreaterThanOrEqual(0);
    expect(row.reserved).toBeGreaterThanOrEqual(0);
    expect(row.reserved).toBeLessThanOrEqual(row.quantity);
  }
  const sales = await database.pool.query<{ holdId: string; status: string; lines: number; sales: number }>(
    `SELECT h.id AS "holdId", h.status,
       (SELECT count(*)::int FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id) AS lines,
       (SELECT count(*)::int FROM "StockLedgerEntry" l WHERE l."holdId" = h.id AND l.reason = 'sale') AS sales
     FROM "InventoryHold" h WHERE h."shopId" = $1`,
    [shopId],
  );
  for (const row of sales.rows) {
    const expected = row.status === "committed" ? row.lines : 0;
    expect({ holdId: row.holdId, sales: row.sales }).toEqual({ holdId: row.holdId, sales: expected });
  }
}

/**
 * Any backend, through the public store: reconciliation is clean and every
 * variant's ledger replays to its quantity, never below zero.
 */
export async function expectStoreBooksBalance(stock: InventoryStore, holds: HoldStore, shopId: string): Promise<void> {
  expect((await reconcileInventoryReserved({ store: holds, shopId })).drift).toEqual([]);
  for (const item of await stock.listItems(shopId)) {
    let replayed = 0;
    let beforeId: string | undefined;
    for (;;) {
      const page = await stock.listLedger(shopId, {
        sku: item.sku,
        variantKey: item.variantKey,
        limit: 1000,
        ...(beforeId ? { beforeId } : {}),
      });
      for (const entry of page) replayed += entry.delta;
      if (page.length < 1000) break;
      beforeId = page.at(-1)!.id;
    }
    expect({ sku: item.sku, replayed }).toEqual({ sku: item.sku, replayed: item.quantity });
    expect(item.quantity).toBeGreaterThanOrEqual(0);
    expect(item.reserved).toBeGreaterThanOrEqual(0);
    expect(item.reserved).toBeLessThanOrEqual(item.quantity);
  }
}
