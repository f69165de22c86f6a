import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commitInventoryHold } from "../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../src/holds/create-inventory-hold.ts";
import { extendInventoryHold } from "../src/holds/extend-inventory-hold.ts";
import { getInventoryHold } from "../src/holds/get-inventory-hold.ts";
import { reconcileInventoryReserved } from "../src/holds/reconcile-reserved.ts";
import { releaseExpiredInventoryHolds } from "../src/holds/release-expired-inventory-holds.ts";
import { releaseInventoryHold } from "../src/holds/release-inventory-hold.ts";
import { isInventoryError } from "../src/errors/inventory-error.ts";
import type { HoldStore } from "../src/holds/types.ts";
import type { InventoryStore } from "../src/inventory/inventory-store.ts";
import { createJsonHoldStore } from "../src/holds/json-hold-store.ts";
import { createJsonInventoryStore } from "../src/inventory/json-inventory-store.ts";
import { createPrismaHoldStore } from "../src/holds/prisma-hold-store.ts";
import { createPrismaInventoryStore } from "../src/inventory/prisma-inventory-store.ts";
import { createTestDatabase } from "./support/test-database.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

// Random sequences of hold operations run against a backend and against a
// plain in-memory model; after every step the two must agree and every
// invariant of DESIGN.md must hold.

const SHOP = "prop";
const SKUS = ["A", "B", "C"] as const;
const MAX_TTL_MS = 3600 * 1000;

type Op =
  | { kind: "create"; lines: Array<{ sku: string; quantity: number }>; ttl: number; key: number | null }
  | { kind: "commit" | "release"; hold: number }
  | { kind: "extend"; hold: number; ttl: number }
  | { kind: "advance"; seconds: number }
  | { kind: "reap" };

interface ModelHold {
  id: string;
  status: "active" | "committed" | "released" | "expired";
  createdAt: number;
  expiresAt: number;
  lines: Map<string, number>;
  key: number | null;
}

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 4 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      ttl: fc.constantFrom(60, 300, 1200, 3600),
      key: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constantFrom("commit" as const, "release" as const), hold: fc.nat(20) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("extend" as const),
      hold: fc.nat(20),
      ttl: fc.constantFrom(60, 600, 3600),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds: fc.constantFrom(30, 61, 400, 1300, 4000) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reap" as const) }) },
);

interface Backend {
  stock: InventoryStore;
  holds: HoldStore;
  reset(): Promise<void>;
  destroy(): Promise<void>;
}

async function runSequence(backend: Backend, initial: Record<string, number>, ops: Op[]) {
  await backend.reset();
  const { stock, holds: store } = backend;
  await stock.upsertItems(
    SHOP,
    SKUS.map((sku) => ({ sku, productId: sku, quantity: initial[sku]! })),
    { reason: "import", actor: "model" },
  );
  const model = {
    now: Date.parse("2026-11-24T12:00:00Z"),
    quantity: new Map(SKUS.map((sku) => [sku as string, initial[sku]!])),
    reserved: new Map(SKUS.map((sku) => [sku as string, 0])),
    holds: [] as ModelHold[],
  };
  const isExpired = (h: ModelHold) => h.status === "active" && h.expiresAt <= model.now;
  const settle = (h: ModelHold, status: "released" | "expired") => {
    for (const [sku, q] of h.lines) model.reserved.set(sku, model.reserved.get(sku)! - q);
    h.status = status;
  };
  const available = (sku: string) => model.quantity.get(sku)! - model.reserved.get(sku)!;

  for (const op of ops) {
    const now = new Date(model.now);
    if (op.kind === "create") {
      const lines = new Map<string, number>();
      for (const line of op.lines) lines.set(line.sku, (lines.get(line.sku) ?? 0) + line.quantity);
      const existing = op.key === null ? undefined : model.holds.find((h) => h.key === op.key);
      // A hold request first expires the lapsed holds on the variants it names (one rule on both backends).
      for (const h of model.holds) {
        if (isExpired(h) && [...h.lines.keys()].some((sku) => lines.has(sku))) settle(h, "expired");
      }
      const result = await createInventoryHold({
        shopId: SHOP,
        requests: op.lines,
        ttlSeconds: op.ttl,
        now,
        store,
        ...(op.key === null ? {} : { idempotencyKey: `k${op.key}` }),
      }).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if (existing) {
        // A replay answers with the same hold only for the same lines while it is active; otherwise conflict.
        const same =
          existing.lines.size === lines.size && [...lines].every(([sku, q]) => existing.lines.get(sku) === q);
        if (same && existing.status === "active" && !isExpired(existing)) {
          expect(result.ok && result.value.holdId).toBe(existing.id);
        } else {
          expect(result.ok ? "ok" : (result.error as { code?: string }).code).toBe("conflict");
        }
        continue;
      }
      const short = [...lines].some(([sku, q]) => available(sku) < q);
      if (short) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect((result.error as { code?: string }).code).toBe("inventory_insufficient");
        continue;
      }
      expect(result.ok, `create should succeed: ${!result.ok && String(result.error)}`).toBe(true);
      if (!result.ok) continue;
      for (const [sku, q] of lines) model.reserved.set(sku, model.reserved.get(sku)! + q);
      model.holds.push({
        id: result.value.holdId,
        status: "active",
        createdAt: model.now,
        expiresAt: model.now + op.ttl * 1000,
        lines,
        key: op.key,
      });
    } else if (op.kind === "commit" || op.kind === "release" || op.kind === "extend") {
      const h = model.holds[op.hold % Math.max(model.holds.length, 1)];
      if (!h) continue;
      const attempt =
        op.kind === "commit"
          ? commitInventoryHold({ shopId: SHOP, holdId: h.id, now, store })
          : op.kind === "release"
            ? releaseInventoryHold({ shopId: SHOP, holdId: h.id, now, store })
            : extendInventoryHold({
                shopId: SHOP,
                holdId: h.id,
                ttlSeconds: op.kind === "extend" ? op.ttl : 0,
                now,
                store,
              });
      const outcome = await attempt.then(
        () => "ok",
        (error: unknown) => (isInventoryError(error) ? error.code : String(error)),
      );
      if (op.kind === "commit") {
        if (h.status === "active") {
          expect(outcome).toBe("ok");
          for (const [sku, q] of h.lines) {
            model.quantity.set(sku, model.quantity.get(sku)! - q);
            model.reserved.set(sku, model.reserved.get(sku)! - q);
          }
          h.status = "committed";
        } else {
          expect(outcome).toBe(h.status === "committed" ? "ok" : "conflict");
        }
      } else if (op.kind === "release") {
        expect(outcome).toBe("ok");
        if (h.status === "active") settle(h, "released");
      } else if (op.kind === "extend") {
        if (h.status === "active" && !isExpired(h)) {
          expect(outcome).toBe("ok");
          h.expiresAt = Math.max(h.expiresAt, Math.min(model.now + op.ttl * 1000, h.createdAt + MAX_TTL_MS));
        } else {
          expect(outcome).toBe("conflict");
        }
      }
    } else if (op.kind === "advance") {
      model.now += op.seconds * 1000;
    } else {
      const expected = model.holds.filter(isExpired);
      const released = await releaseExpiredInventoryHolds({ shopId: SHOP, limit: 1000, now, store });
      expect(released).toBe(expected.length);
      for (const h of expected) settle(h, "expired");
    }

    // Invariants after every step.
    for (const sku of SKUS) {
      const item = (await stock.getItem(SHOP, { sku, variantKey: "" }))!;
      expect({ sku, quantity: item.quantity, reserved: item.reserved }).toEqual({
        sku,
        quantity: model.quantity.get(sku),
        reserved: model.reserved.get(sku),
      });
      expect(item.reserved).toBeGreaterThanOrEqual(0);
      expect(item.quantity).toBeGreaterThanOrEqual(item.reserved);
    }
    expect((await reconcileInventoryReserved({ shopId: SHOP, store })).drift).toEqual([]);
  }

  // Final: statuses as read, and the ledger replays to today's quantities.
  for (const h of model.holds) {
    const view = await getInventoryHold({ shopId: SHOP, holdId: h.id, now: new Date(model.now), store });
    expect(view?.status).toBe(isExpired(h) ? "expired" : h.status);
  }
  for (const sku of SKUS) {
    const ledger = await stock.listLedger(SHOP, { sku, variantKey: "", limit: 1000 });
    expect(ledger.reduce((sum, e) => sum + e.delta, 0)).toBe(model.quantity.get(sku));
  }
}

const property = (backend: () => Backend) =>
  fc.asyncProperty(
    fc.record({
      A: fc.integer({ min: 0, max: 6 }),
      B: fc.integer({ min: 0, max: 6 }),
      C: fc.integer({ min: 1, max: 10 }),
    }),
    fc.array(opArbitrary, { minLength: 1, maxLength: 30 }),
    (initial, ops) => runSequence(backend(), initial, ops),
  );

describe("holds behave like the model (fast-check)", () => {
  it("on PostgreSQL", async () => {
    const database = await createTestDatabase();
    const backend: Backend = {
      stock: createPrismaInventoryStore(database),
      holds: createPrismaHoldStore(database),
      reset: async () => {
        await database.pool.query(
          `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold" RESTART IDENTITY`,
        );
      },
      destroy: () => database.destroy(),
    };
    try {
      await fc.assert(
        property(() => backend),
        { numRuns: 40 },
      );
    } finally {
      await backend.destroy();
    }
  }, 240_000);

  it("on JSON files", async () => {
    let dataDir = await mkdtemp(path.join(tmpdir(), "acme-prop-"));
    const backend: Backend = {
      stock: createJsonInventoryStore({ dataDir }),
      holds: createJsonHoldStore({ dataDir }),
      async reset() {
        await backend.stock.close();
        await rm(dataDir, { recursive: true, force: true });
        dataDir = await mkdtemp(path.join(tmpdir(), "acme-prop-"));
        backend.stock = createJsonInventoryStore({ dataDir });
        backend.holds = createJsonHoldStore({ dataDir });
      },
      async destroy() {
        await backend.stock.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    try {
      await fc.assert(
        property(() => backend),
        { numRuns: 40 },
      );
    } finally {
      await backend.destroy();
    }
  }, 240_000);
});
