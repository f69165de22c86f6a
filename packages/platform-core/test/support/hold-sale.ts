import { fileURLToPath } from "node:url";
import type pg from "pg";
import { startReadyWorker } from "./start-ready-worker.ts";

/** What one hold-worker process reports: the holds it was granted and the error codes it met. */
export interface HoldSaleSummary {
  granted: string[];
  codes: Record<string, number>;
}

export interface HoldWorkerCommand {
  url: string;
  shopId: string;
  lines: Array<{ sku: string; quantity: number }>;
  buyers: number;
  attempts: number;
  poolSize: number;
}

const worker = fileURLToPath(new URL("../fixtures/prisma-hold-worker.ts", import.meta.url));

/** A hold-worker process (`fixtures/prisma-hold-worker.ts`), started and ready; write "go" to its stdin to start it. */
export const startHoldWorker = (command: HoldWorkerCommand) => startReadyWorker<HoldSaleSummary>(worker, command);

/** A sale over several hold-worker processes, all started together; each one's summary. */
export async function runHoldSale(commands: HoldWorkerCommand[]): Promise<HoldSaleSummary[]> {
  const workers = commands.map(startHoldWorker);
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin.write("go\n");
  return (await Promise.all(workers.map((w) => w.done))) as HoldSaleSummary[];
}

/** Quantity and reserved of one variant-less stock row. */
export async function stockRow(pool: pg.Pool, shopId: string, sku: string) {
  const rows = await pool.query<{ quantity: number; reserved: number }>(
    `SELECT quantity, reserved FROM "InventoryItem" WHERE "shopId" = $1 AND sku = $2 AND "variantKey" = ''`,
    [shopId, sku],
  );
  return rows.rows[0];
}
