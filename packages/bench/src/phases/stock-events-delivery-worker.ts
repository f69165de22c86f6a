import { createDatabase, deliverStockEvents } from "@acme/platform-core";

/**
 * Phase 3e's delivery in a process of its own, as a cron instance runs it beside the instances that serve the sale:
 * passes of `deliverStockEvents` with a pause between them while the parent says so, on its own pool. Messages from
 * the parent: start, tally (answered with the counts so far), stop (the pass in flight ends, then the counts), exit.
 */
export interface DeliveryWorkerTask {
  url: string;
  poolSize: number;
  intervalMs: number;
  budgetMs: number;
  batchSize: number | undefined;
}

export type DeliveryWorkerCommand = { type: "start" } | { type: "tally" } | { type: "stop" } | { type: "exit" };

export interface DeliveryWorkerTally {
  passes: number;
  sequenced: number;
  attempts: number;
  sent: number;
  failed: number;
  delivered: number;
  /** This process's CPU since the last start, ms. */
  cpu_ms: number;
  errors: string[];
}

export type DeliveryWorkerMessage = { type: "ready" } | { type: "tally"; tally: DeliveryWorkerTally };

const task = JSON.parse(process.argv[2] ?? "{}") as DeliveryWorkerTask;
const db = createDatabase({ url: task.url, poolSize: task.poolSize });
const send = (message: DeliveryWorkerMessage) => process.send?.(message);

let tally: DeliveryWorkerTally = emptyTally();
let cpuAtStart = process.cpuUsage();
let running: Promise<void> | undefined;
let stopped = true;
let wake: (() => void) | undefined;

function emptyTally(): DeliveryWorkerTally {
  return { passes: 0, sequenced: 0, attempts: 0, sent: 0, failed: 0, delivered: 0, cpu_ms: 0, errors: [] };
}

function snapshot(): DeliveryWorkerTally {
  const cpu = process.cpuUsage(cpuAtStart);
  return { ...tally, errors: [...tally.errors], cpu_ms: (cpu.user + cpu.system) / 1000 };
}

async function loop(): Promise<void> {
  while (!stopped) {
    try {
      const result = await deliverStockEvents({
        db,
        budgetMs: task.budgetMs,
        ...(task.batchSize ? { batchSize: task.batchSize } : {}),
      });
      tally.sequenced += result.sequenced;
      tally.attempts += result.attempts;
      tally.sent += result.sent;
      tally.failed += result.failed;
      tally.delivered += result.delivered;
    } catch (error) {
      tally.errors.push(error instanceof Error ? error.message : String(error));
    }
    tally.passes += 1;
    if (stopped) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, task.intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

process.on("message", (command: DeliveryWorkerCommand) => {
  void (async () => {
    if (command.type === "start" && running === undefined) {
      tally = emptyTally();
      cpuAtStart = process.cpuUsage();
      stopped = false;
      running = loop();
    } else if (command.type === "tally") {
      send({ type: "tally", tally: snapshot() });
    } else if (command.type === "stop") {
      stopped = true;
      wake?.();
      await running;
      running = undefined;
      send({ type: "tally", tally: snapshot() });
    } else if (command.type === "exit") {
      await db.close().catch(() => {});
      process.exit(0);
    }
  })();
});

// Connected and the delivery path planned before any sale: one pass with nothing due.
await deliverStockEvents({ db, budgetMs: task.budgetMs }).catch(() => {});
send({ type: "ready" });
