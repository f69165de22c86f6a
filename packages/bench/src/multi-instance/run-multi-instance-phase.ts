import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createPrismaInventoryStore, type Database } from "@acme/platform-core";
import type { ErrorCount } from "../create-error-tally.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { round, summarise } from "../stats.ts";
import type { WorkerMessage, WorkerTask } from "./worker-protocol.ts";

const WORKER = fileURLToPath(new URL("./multi-instance-worker.ts", import.meta.url));
/** The phase's own shop, so its holds never meet the other phases' figures or the reaper's. */
export const multiShopId = (config: BenchConfig) => `${config.shopId}-multi`;
const FLOOR_PREFIX = "mfloor_";

export interface MultiInstanceLayout {
  processes: number;
  buyers: number;
  pool_per_process: number;
  units: number;
  units_per_s: number;
  p50_ms: number;
  p95_ms: number;
  /** The same layout's per-transaction floor: raw pg, one transaction per hold (UPDATE + INSERT). */
  floor_units_per_s: number;
  floor_p95_ms: number;
  /** Units granted beyond stock, or a hot row whose reserved units differ from what buyers were granted. */
  oversold: number;
  /** Transactions that granted the library's holds (holds of one deciding transaction share its clock reading). */
  hold_transactions: number;
  errors: ErrorCount[];
  timed_out: boolean;
}

interface RunResult {
  granted: number;
  wallSeconds: number;
  latencies: number[];
  errors: ErrorCount[];
  timedOut: boolean;
}

/**
 * The hot-variant sale with the same buyers spread over P OS processes, each
 * with its own connection pool, as serverless instances are: group commit
 * inside one process cannot batch requests of another. For each layout the
 * library's `createInventoryHold`, then the floor with the same layout.
 */
export async function runMultiInstancePhase(
  config: BenchConfig,
  deps: { db: Database; url: string; label?: string },
): Promise<MultiInstanceLayout[]> {
  const store = createPrismaInventoryStore(deps.db);
  const shopId = `${multiShopId(config)}${deps.label ? `-${deps.label}` : ""}`;
  const url = deps.url;
  const layouts: MultiInstanceLayout[] = [];
  for (const processes of config.multiProcesses) {
    const buyersPer = spread(config.buyers, processes);
    const poolPerProcess = Math.max(
      1,
      Math.min(Math.ceil(config.buyers / processes), Math.floor(config.multiConnections / processes), config.poolSize),
    );
    const sku = `MULTI-P${processes}`;
    const floorSku = `MULTI-FLOOR-P${processes}`;
    await store.upsertItems(
      shopId,
      [sku, floorSku].map((s) => ({ sku: s, productId: "multi", quantity: config.multiUnits })),
      { reason: "import", actor: "bench" },
    );
    const task = (mode: WorkerTask["mode"], itemSku: string, buyers: number): WorkerTask => ({
      mode,
      url,
      shopId,
      sku: itemSku,
      buyers,
      poolSize: Math.min(poolPerProcess, buyers),
      timeoutSeconds: config.phaseTimeoutSeconds,
      floorHoldPrefix: FLOOR_PREFIX,
    });
    process.stderr.write(`  ${processes} process(es) x ~${buyersPer[0]} buyers, pool ${poolPerProcess} each: library`);
    const library = await runLayout(buyersPer.map((buyers) => task("library", sku, buyers)));
    process.stderr.write(` ${round(library.granted / library.wallSeconds, 0)} units/s; floor`);
    const floor = await runLayout(buyersPer.map((buyers) => task("floor", floorSku, buyers)));
    process.stderr.write(` ${round(floor.granted / floor.wallSeconds, 0)} units/s\n`);

    const rows = await deps.db.pool.query<{ sku: string; quantity: number; reserved: number }>(
      `SELECT sku, quantity, reserved FROM "InventoryItem" WHERE "shopId" = $1 AND sku = ANY($2::text[]) AND "variantKey" = ''`,
      [shopId, [sku, floorSku]],
    );
    const row = rows.rows.find((r) => r.sku === sku)!;
    const floorRow = rows.rows.find((r) => r.sku === floorSku)!;
    const oversold =
      Math.max(0, library.granted - config.multiUnits) +
      Math.abs(row.reserved - library.granted) +
      Math.max(0, floor.granted - config.multiUnits) +
      Math.abs(floorRow.reserved - floor.granted);
    await removeFloorRows(deps.db, shopId, floorSku);
    const transactions = await deps.db.pool.query<{ n: number }>(
      `SELECT count(DISTINCT h."createdAt")::int AS n FROM "InventoryHold" h JOIN "InventoryHoldItem" hi ON hi."holdId" = h.id
       WHERE h."shopId" = $1 AND hi.sku = $2`,
      [shopId, sku],
    );

    const summary = summarise(library.latencies, library.granted, library.wallSeconds);
    const floorSummary = summarise(floor.latencies, floor.granted, floor.wallSeconds);
    layouts.push({
      processes,
      buyers: config.buyers,
      pool_per_process: poolPerProcess,
      units: config.multiUnits,
      units_per_s: round(library.granted / library.wallSeconds, 1),
      p50_ms: summary.p50_ms,
      p95_ms: summary.p95_ms,
      floor_units_per_s: round(floor.granted / floor.wallSeconds, 1),
      floor_p95_ms: floorSummary.p95_ms,
      oversold,
      hold_transactions: transactions.rows[0]?.n ?? 0,
      errors: [...library.errors, ...floor.errors.map((error) => ({ ...error, kind: `floor: ${error.kind}` }))],
      timed_out: library.timedOut || floor.timedOut,
    });
  }
  return layouts;
}

/** `total` buyers over `parts` processes, as evenly as whole buyers allow. */
function spread(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0),
  ).filter((n) => n > 0);
}

/** Starts one process per task, starts them together once all are connected, and gathers their answers. */
async function runLayout(tasks: WorkerTask[]): Promise<RunResult> {
  const tsx = import.meta.resolve("tsx");
  const children: ChildProcess[] = [];
  const results: Array<Extract<WorkerMessage, { type: "done" }>> = [];
  let started = 0;
  let finished = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let ready = 0;
      for (const task of tasks) {
        const child = fork(WORKER, [JSON.stringify(task)], {
          execArgv: ["--conditions=react-server", "--import", tsx],
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        children.push(child);
        child.on("message", (message: WorkerMessage) => {
          if (message.type === "ready" && ++ready === tasks.length) {
            started = performance.now();
            for (const each of children) each.send({ type: "go" });
          } else if (message.type === "done") {
            results.push(message);
            finished = performance.now();
            if (results.length === tasks.length) resolve();
          } else if (message.type === "failed") {
            reject(new Error(`a multi-instance process failed: ${message.message}`));
          }
        });
        child.on("exit", (code) => {
          if (code !== 0 && results.length < tasks.length)
            reject(new Error(`a multi-instance process exited with ${code}`));
        });
      }
    });
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
  const errors = new Map<string, ErrorCount>();
  for (const result of results) {
    for (const error of result.errors) {
      const entry = errors.get(error.kind);
      if (entry) entry.count += error.count;
      else errors.set(error.kind, { ...error });
    }
  }
  return {
    granted: results.reduce((sum, result) => sum + result.granted, 0),
    wallSeconds: (finished - started) / 1000,
    latencies: results.flatMap((result) => result.latencies),
    errors: [...errors.values()],
    timedOut: results.some((result) => result.timedOut),
  };
}

/** The floor writes holds without lines, which would read as drift: remove them and reset its variant once measured. */
async function removeFloorRows(db: Database, shopId: string, sku: string): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`DELETE FROM "InventoryHold" WHERE "shopId" = $1 AND starts_with(id, $2)`, [
      shopId,
      FLOOR_PREFIX,
    ]);
    await client.query(
      `UPDATE "InventoryItem" SET reserved = 0 WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = ''`,
      [shopId, sku],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
