import { readFile } from "node:fs/promises";
import pg from "pg";
import { coldSku } from "../cold-sku.ts";
import { median, round } from "../stats.ts";

export interface HoldBatchCost {
  batches: number;
  requests_per_batch: number;
  /** Medians per batch: the backend's CPU time (from /proc/<pid>/schedstat) and the wall time of the call. */
  after: { cpu_ms: number; wall_ms: number };
  before: { cpu_ms: number; wall_ms: number };
  /** after / before. */
  cpu_ratio: number;
  wall_ratio: number;
}

/**
 * What one batch costs PostgreSQL, alone: `inventory_create_holds_batch` called directly with the hot sale's mix (256
 * requests, 90% one unit of the hot variant, 10% with a cold one too), each in its own committed transaction, on the
 * two databases in turn. CPU time is the backend process's own, so other work on the machine barely moves it, where
 * the sale's wall-clock figures move a lot. Needs the server on this machine (its /proc); undefined otherwise.
 */
export async function measureHoldBatch(options: {
  urls: { after: string; before: string };
  shopId: string;
  sku: string;
  coldVariants: number;
  batches: number;
}): Promise<HoldBatchCost | undefined> {
  const sides = ["after", "before"] as const;
  const clients = { after: new pg.Client(options.urls.after), before: new pg.Client(options.urls.before) };
  try {
    const pids: Record<string, number> = {};
    for (const side of sides) {
      await clients[side].connect();
      pids[side] = (await clients[side].query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    }
    const cpuNs = async (side: (typeof sides)[number]) => {
      const text = await readFile(`/proc/${pids[side]}/schedstat`, "utf8").catch(() => undefined);
      return text === undefined ? undefined : Number(text.split(" ")[0]);
    };
    if ((await cpuNs("after")) === undefined) return undefined;
    let seq = 0;
    const payload = () =>
      JSON.stringify(
        Array.from({ length: 256 }, (_, n) => {
          const lines = [{ sku: options.sku, variantKey: "", quantity: 1 }];
          if (n % 10 === 9) lines.push({ sku: coldSku(seq % options.coldVariants), variantKey: "", quantity: 1 });
          const id = seq++;
          return {
            holdId: `hold_batch_${String(id).padStart(8, "0")}`,
            expiresAt: new Date(Date.now() + 600_000).toISOString(),
            lines,
          };
        }),
      );
    const samples = {
      after: { cpu: [] as number[], wall: [] as number[] },
      before: { cpu: [] as number[], wall: [] as number[] },
    };
    const one = async (side: (typeof sides)[number], record: boolean) => {
      const client = clients[side];
      const body = payload();
      await client.query("BEGIN");
      const cpu = await cpuNs(side);
      const started = performance.now();
      await client.query("SELECT inventory_create_holds_batch($1, $2::jsonb, now())", [options.shopId, body]);
      const wall = performance.now() - started;
      const cpuAfter = await cpuNs(side);
      await client.query("COMMIT");
      if (!record) return;
      samples[side].cpu.push(((cpuAfter ?? Number.NaN) - (cpu ?? Number.NaN)) / 1e6);
      samples[side].wall.push(wall);
    };
    // Planned and cached on both connections first.
    for (let i = 0; i < 3; i++) for (const side of sides) await one(side, false);
    for (let i = 0; i < options.batches; i++)
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) await one(side, true);
    const of = (side: (typeof sides)[number]) => ({
      cpu_ms: round(median(samples[side].cpu), 2),
      wall_ms: round(median(samples[side].wall), 2),
    });
    const after = of("after");
    const before = of("before");
    return {
      batches: options.batches,
      requests_per_batch: 256,
      after,
      before,
      cpu_ratio: round(after.cpu_ms / before.cpu_ms, 3),
      wall_ratio: round(after.wall_ms / before.wall_ms, 3),
    };
  } finally {
    for (const side of sides) await clients[side].end().catch(() => {});
  }
}
