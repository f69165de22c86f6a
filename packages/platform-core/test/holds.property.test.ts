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
import { createJsonLocationStore } from "../src/locations/json-location-store.ts";
import type { AllocationStrategy } from "../src/locations/location-inputs.ts";
import { createPrismaLocationStore } from "../src/locations/prisma-location-store.ts";
import type { LocationStore } from "../src/locations/types.ts";
import { expectStockEventBooks } from "./support/stock-event-books.ts";
import { createTestDatabase } from "./support/test-database.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

// Random sequences of hold operations run against a backend and against a
// plain in-memory model; after every step the two must agree and every
// invariant of DESIGN.md must hold. The model keeps stock per location: with
// several (PostgreSQL), it allocates each hold as the shop's strategy says and
// also moves stock between locations and takes locations on and offline.

const SHOP = "prop";
const SKUS = ["A", "B", "C"] as const;
const MAX_TTL_MS = 3600 * 1000;

interface LocationSpec {
  code: string;
  priority: number;
  kind: "warehouse" | "store";
  active: boolean;
  fulfilsOnline: boolean;
}

/** One location: every backend's shop. */
const ONE_LOCATION: LocationSpec[] = [
  { code: "main", priority: 100, kind: "warehouse", active: true, fulfilsOnline: true },
];
/** Four: east and west tie on priority (the code decides); the store, when it sells online, comes first. */
const FOUR_LOCATIONS: LocationSpec[] = [
  ...ONE_LOCATION,
  { code: "east", priority: 10, kind: "warehouse", active: true, fulfilsOnline: true },
  { code: "west", priority: 10, kind: "warehouse", active: true, fulfilsOnline: true },
  { code: "floor", priority: 0, kind: "store", active: true, fulfilsOnline: false },
];
const CODES = FOUR_LOCATIONS.map((l) => l.code);

type Op =
  | { kind: "create"; lines: Array<{ sku: string; quantity: number }>; ttl: number; key: number | null }
  | { kind: "commit"; hold: number }
  | { kind: "release"; hold: number }
  | { kind: "extend"; hold: number; ttl: number }
  | { kind: "advance"; seconds: number }
  | { kind: "reap" }
  | {
      kind: "transfer";
      from: string;
      to: string;
      sku: string;
      quantity: number;
      inTransit: boolean;
      /**
       * Aims at held stock: the n-th place with units held, asking one more than is free there (n even) or all that is
       * free.
       */
      atHeld: number | null;
    }
  | { kind: "receive"; transfer: number }
  | { kind: "toggle"; location: string; field: "active" | "fulfilsOnline" }
  | { kind: "edit"; location: string; sku: string; quantity: number }
  | { kind: "strategy"; strategy: AllocationStrategy };

interface ModelHold {
  id: string;
  status: "active" | "committed" | "released" | "expired";
  createdAt: number;
  expiresAt: number;
  lines: Map<string, number>;
  /** Where each line is reserved: sku -> location -> units. */
  at: Map<string, Map<string, number>>;
  key: number | null;
}

const holdOps: Array<{ weight: number; arbitrary: fc.Arbitrary<Op> }> = [
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
    arbitrary: fc.oneof(
      fc.record({ kind: fc.constant("commit" as const), hold: fc.nat(20) }),
      fc.record({ kind: fc.constant("release" as const), hold: fc.nat(20) }),
    ),
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
];

const locationOps: Array<{ weight: number; arbitrary: fc.Arbitrary<Op> }> = [
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("transfer" as const),
      from: fc.constantFrom(...CODES),
      to: fc.constantFrom(...CODES),
      sku: fc.constantFrom(...SKUS),
      quantity: fc.integer({ min: 1, max: 4 }),
      inTransit: fc.boolean(),
      atHeld: fc.option(fc.nat(7), { nil: null }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("receive" as const), transfer: fc.nat(10) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("toggle" as const),
      location: fc.constantFrom(...CODES),
      field: fc.constantFrom("active" as const, "fulfilsOnline" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("edit" as const),
      location: fc.constantFrom(...CODES),
      sku: fc.constantFrom(...SKUS),
      quantity: fc.integer({ min: 0, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("strategy" as const),
      strategy: fc.constantFrom("fewest_locations" as const, "priority" as const),
    }),
  },
];

/**
 * Where a cart's units come from, as the platform decides it (inventory_allocate): with fewest_locations, the
 * smallest set of online locations that has every line, the best priorities first among sets of one size; with
 * priority, all of them in priority order. Each line then takes what it can from the first location, then the next.
 */
function allocate(
  lines: Map<string, number>,
  free: (sku: string, location: string) => number,
  online: string[],
  strategy: AllocationStrategy,
): Map<string, Map<string, number>> {
  let chosen = online;
  if (strategy === "fewest_locations" && online.length > 1) {
    const sets = Array.from({ length: (1 << online.length) - 1 }, (_, m) =>
      online.map((_, k) => k).filter((k) => ((m + 1) & (1 << k)) !== 0),
    ).sort((a, b) => a.length - b.length || compareIndexLists(a, b));
    const covering = sets.find((set) =>
      [...lines].every(([sku, q]) => set.reduce((sum, k) => sum + free(sku, online[k]!), 0) >= q),
    )!;
    chosen = covering.map((k) => online[k]!);
  }
  const at = new Map<string, Map<string, number>>();
  for (const [sku, q] of lines) {
    const parts = new Map<string, number>();
    let rest = q;
    for (const code of chosen) {
      const take = Math.min(rest, Math.max(free(sku, code), 0));
      if (take > 0) parts.set(code, take);
      rest -= take;
    }
    at.set(sku, parts);
  }
  return at;
}

function compareIndexLists(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

interface Backend {
  stock: InventoryStore;
  holds: HoldStore;
  locations: LocationStore;
  reset(): Promise<void>;
  destroy(): Promise<void>;
  /** Backend-specific checks once a run is over (PostgreSQL: the stock events' books). */
  checkRun?(): Promise<void>;
}

type Initial = Record<string, Record<string, number>>;

async function runSequence(backend: Backend, spec: LocationSpec[], initial: Initial, ops: Op[]) {
  await backend.reset();
  const { stock, holds: store, locations } = backend;
  for (const location of spec) {
    if (location.code === "main") continue;
    await locations.createLocation({ shopId: SHOP, name: location.code, actor: "model", ...location });
  }
  await stock.upsertItems(
    SHOP,
    SKUS.flatMap((sku) =>
      spec.map((location) => ({
        sku,
        productId: sku,
        quantity: initial[sku]![location.code]!,
        location: location.code,
      })),
    ),
    { reason: "import", actor: "model" },
  );
  const model = {
    // Far ahead of the database's clock, which location changes run on: no hold has lapsed by it.
    now: Date.parse("2030-11-24T12:00:00Z"),
    locations: new Map(spec.map((l) => [l.code, { ...l }])),
    levels: new Map<string, { quantity: number; reserved: number; incoming: number }>(),
    holds: [] as ModelHold[],
    transfers: [] as Array<{ id: string; to: string; sku: string; quantity: number; inTransit: boolean }>,
    strategy: "fewest_locations" as AllocationStrategy,
  };
  const level = (sku: string, code: string) => {
    const key = `${sku}/${code}`;
    let found = model.levels.get(key);
    if (!found) model.levels.set(key, (found = { quantity: 0, reserved: 0, incoming: 0 }));
    return found;
  };
  for (const sku of SKUS) for (const l of spec) level(sku, l.code).quantity = initial[sku]![l.code]!;
  const isOnline = (code: string) => {
    const l = model.locations.get(code)!;
    return l.active && l.fulfilsOnline;
  };
  /** Online locations, best priority first (then by code). */
  const online = () =>
    [...model.locations.values()]
      .filter((l) => isOnline(l.code))
      .sort((a, b) => a.priority - b.priority || (a.code < b.code ? -1 : 1))
      .map((l) => l.code);
  const total = (sku: string) => {
    let quantity = 0;
    let reserved = 0;
    for (const l of spec) {
      if (isOnline(l.code)) quantity += level(sku, l.code).quantity;
      reserved += level(sku, l.code).reserved;
    }
    return { quantity, reserved };
  };
  const available = (sku: string) => total(sku).quantity - total(sku).reserved;
  const isExpired = (h: ModelHold) => h.status === "active" && h.expiresAt <= model.now;
  const settle = (h: ModelHold, status: "released" | "expired") => {
    for (const [sku, parts] of h.at) for (const [code, q] of parts) level(sku, code).reserved -= q;
    h.status = status;
  };
  const heldAt = (code: string) => SKUS.reduce((sum, sku) => sum + level(sku, code).reserved, 0);
  const codeOf = (result: { ok: boolean; error?: unknown }) =>
    result.ok ? "ok" : isInventoryError(result.error) ? result.error.code : String(result.error);
  const settled = <T>(promise: Promise<T>) =>
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );

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
      const result = await settled(
        createInventoryHold({
          shopId: SHOP,
          requests: op.lines,
          ttlSeconds: op.ttl,
          now,
          store,
          ...(op.key === null ? {} : { idempotencyKey: `k${op.key}` }),
        }),
      );
      if (existing) {
        // A replay answers with the same hold only for the same lines while it is active; otherwise conflict.
        const same =
          existing.lines.size === lines.size && [...lines].every(([sku, q]) => existing.lines.get(sku) === q);
        if (same && existing.status === "active" && !isExpired(existing)) {
          expect(result.ok && result.value.holdId).toBe(existing.id);
        } else {
          expect(codeOf(result)).toBe("conflict");
        }
      } else if ([...lines].some(([sku, q]) => available(sku) < q)) {
        expect(codeOf(result)).toBe("inventory_insufficient");
      } else {
        expect(result.ok, `create should succeed: ${!result.ok && String(result.error)}`).toBe(true);
        if (!result.ok) continue;
        const at = allocate(
          lines,
          (sku, code) => level(sku, code).quantity - level(sku, code).reserved,
          online(),
          model.strategy,
        );
        const view = (await getInventoryHold({ shopId: SHOP, holdId: result.value.holdId, now, store }))!;
        expect(
          Object.fromEntries(
            view.items.map((i) => [i.sku, Object.fromEntries(i.locations.map((l) => [l.location, l.quantity]))]),
          ),
          `allocation of ${JSON.stringify(op.lines)} by ${model.strategy} over ${online().join(",")}`,
        ).toEqual(Object.fromEntries([...at].map(([sku, parts]) => [sku, Object.fromEntries(parts)])));
        for (const [sku, parts] of at) for (const [code, q] of parts) level(sku, code).reserved += q;
        model.holds.push({
          id: result.value.holdId,
          status: "active",
          createdAt: model.now,
          expiresAt: model.now + op.ttl * 1000,
          lines,
          at,
          key: op.key,
        });
      }
    } else if (op.kind === "commit" || op.kind === "release" || op.kind === "extend") {
      const h = model.holds[op.hold % Math.max(model.holds.length, 1)];
      if (!h) continue;
      const attempt: Promise<unknown> =
        op.kind === "commit"
          ? commitInventoryHold({ shopId: SHOP, holdId: h.id, now, store })
          : op.kind === "release"
            ? releaseInventoryHold({ shopId: SHOP, holdId: h.id, now, store })
            : extendInventoryHold({ shopId: SHOP, holdId: h.id, ttlSeconds: op.ttl, now, store });
      const outcome = codeOf(await settled(attempt));
      if (op.kind === "commit") {
        if (h.status === "active") {
          expect(outcome).toBe("ok");
          // Sold from exactly where the hold reserved.
          for (const [sku, parts] of h.at) {
            for (const [code, q] of parts) {
              level(sku, code).quantity -= q;
              level(sku, code).reserved -= q;
            }
          }
          h.status = "committed";
        } else {
          expect(outcome).toBe(h.status === "committed" ? "ok" : "conflict");
        }
      } else if (op.kind === "release") {
        expect(outcome).toBe("ok");
        if (h.status === "active") settle(h, "released");
      } else if (h.status === "active" && !isExpired(h)) {
        expect(outcome).toBe("ok");
        h.expiresAt = Math.max(h.expiresAt, Math.min(model.now + op.ttl * 1000, h.createdAt + MAX_TTL_MS));
      } else {
        expect(outcome).toBe("conflict");
      }
    } else if (op.kind === "advance") {
      model.now += op.seconds * 1000;
    } else if (op.kind === "reap") {
      const expected = model.holds.filter(isExpired);
      const released = await releaseExpiredInventoryHolds({ shopId: SHOP, limit: 1000, now, store });
      expect(released).toBe(expected.length);
      for (const h of expected) settle(h, "expired");
    } else if (op.kind === "transfer") {
      let { from, to, sku, quantity } = op;
      const held = [...model.levels]
        .filter(([, l]) => l.reserved > 0)
        .map(([key]) => key.split("/") as [string, string]);
      if (op.atHeld !== null && held.length > 0) {
        [sku, from] = held[op.atHeld % held.length]!;
        const free = level(sku, from).quantity - level(sku, from).reserved;
        quantity = op.atHeld % 2 === 0 || free === 0 ? free + 1 : free;
        if (to === from) to = CODES.find((code) => code !== from)!;
      }
      const result = await settled(
        locations.createTransfer({
          shopId: SHOP,
          from,
          to,
          lines: [{ sku, variantKey: "", quantity }],
          inTransit: op.inTransit,
          actor: "model",
        }),
      );
      const source = level(sku, from);
      if (from === to) {
        expect(codeOf(result)).toBe("validation_failed");
      } else if (source.quantity - source.reserved < quantity) {
        // Never held units (no hold here has lapsed by the database's clock, which transfers run on).
        expect(codeOf(result)).toBe("conflict");
      } else {
        expect(codeOf(result)).toBe("ok");
        if (!result.ok) continue;
        source.quantity -= quantity;
        if (op.inTransit) level(sku, to).incoming += quantity;
        else level(sku, to).quantity += quantity;
        model.transfers.push({ id: result.value.id, to, sku, quantity, inTransit: op.inTransit });
      }
    } else if (op.kind === "receive") {
      const t = model.transfers[op.transfer % Math.max(model.transfers.length, 1)];
      if (!t) continue;
      const result = await settled(locations.receiveTransfer({ shopId: SHOP, transferId: t.id, actor: "model" }));
      expect(result.ok && result.value.status).toBe("received");
      if (t.inTransit) {
        level(t.sku, t.to).incoming -= t.quantity;
        level(t.sku, t.to).quantity += t.quantity;
        t.inTransit = false;
      }
    } else if (op.kind === "toggle") {
      const location = model.locations.get(op.location)!;
      const next = { ...location, [op.field]: !location[op.field] };
      const result = await settled(
        locations.updateLocation({ shopId: SHOP, code: op.location, [op.field]: next[op.field], actor: "model" }),
      );
      if (isOnline(op.location) && !(next.active && next.fulfilsOnline) && heldAt(op.location) > 0) {
        expect(codeOf(result)).toBe("conflict");
      } else {
        expect(codeOf(result)).toBe("ok");
        model.locations.set(op.location, next);
      }
    } else if (op.kind === "edit") {
      const result = await settled(
        stock.setQuantity({
          shopId: SHOP,
          sku: op.sku,
          variantKey: "",
          location: op.location,
          quantity: op.quantity,
          reason: "edit",
          actor: "model",
        }),
      );
      if (op.quantity < level(op.sku, op.location).reserved) {
        expect(codeOf(result)).toBe("conflict");
      } else {
        expect(codeOf(result)).toBe("ok");
        level(op.sku, op.location).quantity = op.quantity;
      }
    } else {
      await locations.setAllocationStrategy({ shopId: SHOP, strategy: op.strategy, actor: "model" });
      model.strategy = op.strategy;
    }

    // Invariants after every step: each location's books as the model has them, and the shop's online sums.
    const levels = await locations.listLevels(SHOP);
    const actual = new Map(levels.map((l) => [`${l.sku}/${l.location}`, l]));
    for (const [key, expected] of model.levels) {
      const found = actual.get(key);
      expect({
        key,
        quantity: found?.quantity ?? 0,
        reserved: found?.reserved ?? 0,
        incoming: found?.incoming ?? 0,
      }).toEqual({
        key,
        ...expected,
      });
      expect(expected.reserved).toBeGreaterThanOrEqual(0);
      expect(expected.quantity).toBeGreaterThanOrEqual(expected.reserved);
    }
    expect(levels.filter((l) => !model.levels.has(`${l.sku}/${l.location}`))).toEqual([]);
    // Reserved at a location is what the model's active holds reserve there.
    for (const sku of SKUS) {
      for (const code of model.locations.keys()) {
        const lines = model.holds.filter((h) => h.status === "active").map((h) => h.at.get(sku)?.get(code) ?? 0);
        expect(level(sku, code).reserved, `${sku}/${code}`).toBe(lines.reduce((a, b) => a + b, 0));
      }
    }
    for (const sku of SKUS) {
      const item = (await stock.getItem(SHOP, { sku, variantKey: "" }))!;
      expect({ sku, quantity: item.quantity, reserved: item.reserved }).toEqual({ sku, ...total(sku) });
    }
    // The platform's own checks: reserved against hold lines, per location against the ledger, and the totals.
    expect((await reconcileInventoryReserved({ shopId: SHOP, store })).drift).toEqual([]);
    expect((await locations.reconcile({ shopId: SHOP })).drift).toEqual([]);
  }

  // Final: statuses as read, and each location's ledger replays to its quantity.
  for (const h of model.holds) {
    const view = await getInventoryHold({ shopId: SHOP, holdId: h.id, now: new Date(model.now), store });
    expect(view?.status).toBe(isExpired(h) ? "expired" : h.status);
  }
  for (const sku of SKUS) {
    for (const code of model.locations.keys()) {
      const ledger = await stock.listLedger(SHOP, { sku, variantKey: "", location: code, limit: 1000 });
      expect(
        ledger.reduce((sum, e) => sum + e.delta, 0),
        `${sku}/${code}`,
      ).toBe(level(sku, code).quantity);
    }
  }
  await backend.checkRun?.();
}

/** The shop's locations as a run starts: main online, each other one online, inactive, or not fulfilling. */
const specArbitrary = (spec: LocationSpec[]): fc.Arbitrary<LocationSpec[]> =>
  fc.tuple(
    ...spec.map((l) =>
      l.code === "main"
        ? fc.constant(l)
        : fc.constantFrom(
            { ...l, active: true, fulfilsOnline: true },
            { ...l, active: false },
            { ...l, fulfilsOnline: false },
          ),
    ),
  );

const property = (backend: () => Backend, locations: LocationSpec[]) =>
  fc.asyncProperty(
    specArbitrary(locations),
    fc.record(
      Object.fromEntries(
        SKUS.map((sku) => [
          sku,
          fc.record(
            Object.fromEntries(
              locations.map((l) => [
                l.code,
                fc.integer({ min: l.code === "main" && sku === "C" ? 1 : 0, max: locations.length > 1 ? 4 : 6 }),
              ]),
            ),
          ),
        ]),
      ) as Record<string, fc.Arbitrary<Record<string, number>>>,
    ),
    fc.array(fc.oneof(...holdOps, ...(locations.length > 1 ? locationOps : [])), { minLength: 1, maxLength: 30 }),
    (spec, initial, ops) => runSequence(backend(), spec, initial, ops),
  );

async function postgresBackend(): Promise<Backend> {
  const database = await createTestDatabase();
  return {
    stock: createPrismaInventoryStore(database),
    holds: createPrismaHoldStore(database),
    locations: createPrismaLocationStore(database),
    reset: async () => {
      await database.pool.query(
        `TRUNCATE "InventoryItem", "InventoryLevel", "StockLocation", "StockTransfer", "ShopAllocationPolicy", "StockLedgerEntry", "InventoryHoldItem", "InventoryHold", "StockEvent", "StockEventShop" RESTART IDENTITY`,
      );
    },
    destroy: () => database.destroy(),
    // Every change of the run has its event, numbered 1..N, chaining level by level to what the model expects.
    checkRun: async () => {
      await expectStockEventBooks(database, [SHOP]);
    },
  };
}

describe("holds behave like the model (fast-check)", () => {
  it("on PostgreSQL", async () => {
    const backend = await postgresBackend();
    try {
      await fc.assert(
        property(() => backend, ONE_LOCATION),
        { numRuns: 40 },
      );
    } finally {
      await backend.destroy();
    }
  }, 240_000);

  it("on PostgreSQL with four locations, transfers and online toggles", async () => {
    const backend = await postgresBackend();
    try {
      await fc.assert(
        property(() => backend, FOUR_LOCATIONS),
        { numRuns: 60 },
      );
    } finally {
      await backend.destroy();
    }
  }, 240_000);

  it("on JSON files", async () => {
    let dataDir = await mkdtemp(path.join(tmpdir(), "acme-prop-"));
    const open = () => {
      const stock = createJsonInventoryStore({ dataDir });
      const holds = createJsonHoldStore({ dataDir });
      return { stock, holds, locations: createJsonLocationStore(stock, holds) };
    };
    const backend: Backend = {
      ...open(),
      async reset() {
        await backend.stock.close();
        await rm(dataDir, { recursive: true, force: true });
        dataDir = await mkdtemp(path.join(tmpdir(), "acme-prop-"));
        Object.assign(backend, open());
      },
      async destroy() {
        await backend.stock.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    try {
      await fc.assert(
        property(() => backend, ONE_LOCATION),
        { numRuns: 40 },
      );
    } finally {
      await backend.destroy();
    }
  }, 240_000);
});
