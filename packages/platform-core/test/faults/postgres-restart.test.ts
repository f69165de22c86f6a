import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startEmbeddedPostgres, type RunningPostgres } from "@acme/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleInventoryAuthorityRequest } from "../../src/authority/handle-inventory-authority-request.ts";
import { applyMigrations } from "../../src/db/migrations.ts";
import { createDatabase, type Database } from "../../src/db/prisma-client.ts";
import { errorResponse } from "../../src/errors/error-response.ts";
import { isInventoryError } from "../../src/errors/inventory-error.ts";
import { commitInventoryHold } from "../../src/holds/commit-inventory-hold.ts";
import { createInventoryHold } from "../../src/holds/create-inventory-hold.ts";
import { createPrismaHoldStore } from "../../src/holds/prisma-hold-store.ts";
import { releaseInventoryHold } from "../../src/holds/release-inventory-hold.ts";
import type { HoldStore } from "../../src/holds/types.ts";
import { createPrismaInventoryStore } from "../../src/inventory/prisma-inventory-store.ts";
import type { InventoryStore } from "../../src/inventory/inventory-store.ts";
import { validateInventoryAvailability } from "../../src/validation/validate-inventory-availability.ts";
import { expectPostgresBooksBalance, prng, sleep, waitFor } from "./fault-checks.ts";

// PostgreSQL goes away while holds and commits are in flight, twice: a fast
// shutdown (SIGINT) and an immediate one (SIGQUIT: no shutdown checkpoint, so
// the restart runs crash recovery from the WAL). Its own server, with fsync on
// (not the suite's `fast` cluster), same data folder and port across restarts,
// so "acknowledged then lost" would show. Callers must see `unavailable` and
// nothing else; afterwards the very same pool and stores carry on.

const SHOP = "fault-pg";
const SKUS = ["A", "B", "C", "D", "E", "F"];
const UNITS = 100_000; // plenty: any "insufficient" is a wrong answer
const TOKEN = "authority-token-for-faults";
const CLIENTS = 24;

interface Attempt {
  key: string;
  lines: Array<{ sku: string; quantity: number }>;
  created?: { holdId: string };
  /** What the client asked for next, and whether it was acknowledged. */
  then?: { op: "commit" | "release" | "keep"; acknowledged: boolean };
}

let dataDir: string;
let port: number;
let server: RunningPostgres;
let db: Database;
let stock: InventoryStore;
let holds: HoldStore;
const serverLog: string[] = [];

async function start() {
  server = await startEmbeddedPostgres({ dataDir, port, onLog: (line) => serverLog.push(line) });
}

/** Immediate shutdown: the postmaster aborts every backend without a checkpoint, as a crash would. */
async function stopImmediately() {
  const pid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  const stopped = server.stop(); // the wrapper's SIGINT, so it sees the exit
  process.kill(pid, "SIGQUIT"); // escalates to immediate shutdown at once
  await stopped;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "acme-fault-pg-"));
  port = await freePort();
  await start();
  const url = await server.createDatabase("faults");
  await applyMigrations({ databaseUrl: url });
  // The production pool, with a short connect timeout so an outage answers quickly.
  db = createDatabase({ url, poolSize: 10, connectionTimeoutMillis: 1_000 });
  stock = createPrismaInventoryStore(db);
  holds = createPrismaHoldStore(db);
  await stock.upsertItems(
    SHOP,
    SKUS.map((sku) => ({ sku, productId: sku.toLowerCase(), quantity: UNITS })),
    { reason: "import", actor: "t" },
  );
}, 120_000);

afterAll(async () => {
  await db?.close();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("PostgreSQL stopped and restarted under load", () => {
  it("answers only `unavailable` while down, loses nothing acknowledged, half-applies nothing, and the same pool recovers", async () => {
    const attempts: Attempt[] = [];
    const wrong: string[] = [];
    const stats = { acknowledged: 0, unavailable: 0, inFlight: 0, inFlightAtStop: [] as number[] };
    let running = true;

    /** Runs one call: resolves to its value, or undefined after an `unavailable` (anything else is a wrong answer). */
    async function guarded<T>(label: string, call: () => Promise<T>): Promise<T | undefined> {
      stats.inFlight += 1;
      try {
        const value = await call();
        stats.acknowledged += 1;
        return value;
      } catch (error) {
        if (isInventoryError(error, "unavailable") && errorResponse(error).status === 503) {
          stats.unavailable += 1;
          return undefined;
        }
        wrong.push(`${label}: ${isInventoryError(error) ? error.code : String(error)}`);
        return undefined;
      } finally {
        stats.inFlight -= 1;
      }
    }

    async function client(id: number) {
      const random = prng(1000 + id);
      for (let n = 0; running; n++) {
        const first = SKUS[Math.floor(random() * SKUS.length)]!;
        const second = SKUS[Math.floor(random() * SKUS.length)]!;
        const lines = [{ sku: first, quantity: 1 + Math.floor(random() * 3) }];
        if (second !== first && random() < 0.5) lines.push({ sku: second, quantity: 1 });
        const attempt: Attempt = { key: `c${id}-${n}`, lines };
        attempts.push(attempt);
        const created = await guarded("create", () =>
          createInventoryHold({
            shopId: SHOP,
            requests: lines,
            ttlSeconds: 3600,
            idempotencyKey: attempt.key,
            store: holds,
          }),
        );
        if (!created) {
          await sleep(5);
          continue;
        }
        attempt.created = { holdId: created.holdId };
        const roll = random();
        const op = roll < 0.5 ? "commit" : roll < 0.8 ? "release" : "keep";
        if (op === "keep") {
          attempt.then = { op, acknowledged: true };
          continue;
        }
        const settled = await guarded(op, () =>
          op === "commit"
            ? commitInventoryHold({ shopId: SHOP, holdId: created.holdId, store: holds })
            : releaseInventoryHold({ shopId: SHOP, holdId: created.holdId, store: holds }),
        );
        attempt.then = { op, acknowledged: settled !== undefined };
      }
    }

    async function expectFailsClosed() {
      const validation = await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 1 }], {
        store: stock,
        holds,
      }).then(
        () => "answered",
        (error: unknown) => (isInventoryError(error) ? error.code : String(error)),
      );
      expect(validation).toBe("unavailable");
      const response = await handleInventoryAuthorityRequest(
        new Request("http://cms.test/api/inventory/validate", {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ shopId: SHOP, items: [{ sku: "A", quantity: 1 }] }),
        }),
        { token: TOKEN, store: stock, holds },
      );
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: "unavailable" });
    }

    const clients = Array.from({ length: CLIENTS }, (_, id) => client(id));
    const outages: Array<{ kind: string; acknowledgedBefore: number; unavailableDuring: number }> = [];
    for (const kind of ["fast", "immediate"] as const) {
      // Load running against a healthy server first.
      const target = stats.acknowledged + 300;
      await waitFor(() => stats.acknowledged >= target);
      const acknowledgedBefore = stats.acknowledged;
      stats.inFlightAtStop.push(stats.inFlight);
      if (kind === "fast") await server.stop();
      else await stopImmediately();
      // While it is down: every caller is told `unavailable`, and validation fails closed.
      const unavailableBefore = stats.unavailable;
      await waitFor(() => stats.unavailable >= unavailableBefore + 3 * CLIENTS);
      await expectFailsClosed();
      outages.push({ kind, acknowledgedBefore, unavailableDuring: stats.unavailable - unavailableBefore });
      await start();
      // The same pool and stores serve again, without being rebuilt.
      const afterRestart = stats.acknowledged;
      await waitFor(() => stats.acknowledged >= afterRestart + 300);
    }
    running = false;
    await Promise.all(clients);
    expect(wrong).toEqual([]);

    // Validation answers again, correctly.
    expect(await validateInventoryAvailability(SHOP, [{ sku: "A", quantity: 1 }], { store: stock, holds })).toEqual({
      ok: true,
    });

    // Nothing acknowledged was lost, and nothing half-applied remains.
    const rows = await db.pool.query<{
      id: string;
      status: string;
      idempotencyKey: string;
      items: Array<{ sku: string; quantity: number }>;
    }>(
      `SELECT h.id, h.status, h."idempotencyKey",
         coalesce((SELECT jsonb_agg(jsonb_build_object('sku', hi.sku, 'quantity', hi.quantity) ORDER BY hi.sku) FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id), '[]') AS items
       FROM "InventoryHold" h WHERE h."shopId" = $1`,
      [SHOP],
    );
    const byKey = new Map(rows.rows.map((row) => [row.idempotencyKey, row]));
    const attemptByKey = new Map(attempts.map((attempt) => [attempt.key, attempt]));
    const sortedLines = (lines: Array<{ sku: string; quantity: number }>) =>
      [...lines].sort((a, b) => a.sku.localeCompare(b.sku));
    for (const row of rows.rows) {
      // Every stored hold came from a request, with every one of its lines.
      const attempt = attemptByKey.get(row.idempotencyKey);
      expect(attempt, `hold ${row.id} has no request`).toBeDefined();
      expect(row.items).toEqual(sortedLines(attempt!.lines));
    }
    let ambiguous = 0;
    for (const attempt of attempts) {
      const row = byKey.get(attempt.key);
      if (attempt.created) {
        expect(row, `acknowledged hold ${attempt.created.holdId} lost`).toBeDefined();
        expect(row!.id).toBe(attempt.created.holdId);
        const { op, acknowledged } = attempt.then!;
        if (acknowledged) {
          expect(row!.status).toBe(op === "commit" ? "committed" : op === "release" ? "released" : "active");
        } else {
          // Unacknowledged: either outcome may have happened; a retry settles it idempotently.
          ambiguous += 1;
          expect(["active", op === "commit" ? "committed" : "released"]).toContain(row!.status);
          const retried =
            op === "commit"
              ? await commitInventoryHold({ shopId: SHOP, holdId: row!.id, store: holds })
              : await releaseInventoryHold({ shopId: SHOP, holdId: row!.id, store: holds });
          expect(retried.status).toBe(op === "commit" ? "committed" : "released");
        }
      } else if (row) {
        // Created but the answer was lost: retrying the key finds the same hold, never a second one.
        ambiguous += 1;
        const replay = await createInventoryHold({
          shopId: SHOP,
          requests: attempt.lines,
          ttlSeconds: 3600,
          idempotencyKey: attempt.key,
          store: holds,
        });
        expect(replay).toMatchObject({ holdId: row.id, created: false });
      }
    }

    await expectPostgresBooksBalance(db, holds, SHOP);
    const committedUnits = await db.pool.query<{ units: number }>(
      `SELECT coalesce(sum(hi.quantity), 0)::int AS units FROM "InventoryHoldItem" hi JOIN "InventoryHold" h ON h.id = hi."holdId" WHERE h."shopId" = $1 AND h.status = 'committed'`,
      [SHOP],
    );
    const items = await stock.listItems(SHOP);
    expect(items.reduce((total, item) => total + item.quantity, 0)).toBe(
      SKUS.length * UNITS - committedUnits.rows[0]!.units,
    );

    console.info(
      `[faults] postgres restarts: ${JSON.stringify({
        attempts: attempts.length,
        acknowledgedHolds: attempts.filter((a) => a.created).length,
        acknowledgedCalls: stats.acknowledged,
        unavailableCalls: stats.unavailable,
        inFlightAtStop: stats.inFlightAtStop,
        ambiguousResolvedByRetry: ambiguous,
        outages,
        crashRecoveryRan: serverLog.some((line) => /automatic recovery in progress|redo starts/.test(line)),
      })}`,
    );
  }, 120_000);
});
