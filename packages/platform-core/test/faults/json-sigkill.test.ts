import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createJsonHoldStore } from "../../src/holds/json-hold-store.ts";
import { createJsonInventoryStore } from "../../src/inventory/json-inventory-store.ts";
import { itemKey } from "../../src/inventory/json/shop-file-format.ts";
import { readShopState, shopFilePath } from "../../src/inventory/json/shop-file.ts";
import { LOCK_STALE_MS } from "../../src/inventory/json/shop-lock.ts";
import { expectStoreBooksBalance, prng, sleep, waitFor } from "./fault-checks.ts";

// The JSON backend's writer is killed with SIGKILL at random moments, again
// and again: a real OS process (test/fixtures/json-kill-writer.ts) writing
// stock changes and holds in a loop and printing each acknowledged write.
// After every kill the shop file must parse, every acknowledged write must be
// there, and the lock the dead process left must not wedge the next writer.
// Random moments may or may not land inside the lock or a write, so a second
// test kills writers exactly there: holding the lock, and between the fsync
// of the temp file and its rename over the shop file.

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const writerScript = fileURLToPath(new URL("../fixtures/json-kill-writer.ts", import.meta.url));
const SHOP = "fault-json";
const SKU = "HOT";
const START_UNITS = 1_000;
const KILLS = 25;

interface Writer {
  child: ChildProcess;
  lines: string[];
  ready: Promise<void>;
  exited: Promise<NodeJS.Signals | number | null>;
}

type WriterMode = "loop" | "hold-lock" | "stall-rename";

function startWriter(dataDir: string, run: number, mode: WriterMode = "loop"): Writer {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", writerScript, JSON.stringify({ dataDir, shopId: SHOP, sku: SKU, run, mode })],
    {
      cwd: packageDir,
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const lines: string[] = [];
  let buffer = "";
  let stderr = "";
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const complete = buffer.split("\n");
    buffer = complete.pop()!;
    for (const line of complete) {
      if (line === "ready") markReady();
      else lines.push(line);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.on("exit", (code, signal) => {
      // Only our SIGKILL may end a writer; anything else (a crash on a bad file) fails the test below.
      if (signal !== "SIGKILL") lines.push(`EXIT ${code ?? signal}: ${stderr}`);
      markReady();
      resolve(signal ?? code);
    });
  });
  return { child, lines, ready, exited };
}

let dataDir: string;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Ages a dead writer's lock as time would (LOCK_STALE_MS), so the next writer takes it over without waiting. */
async function ageLock(lockDir: string): Promise<void> {
  const old = new Date(Date.now() - 6 * LOCK_STALE_MS);
  await utimes(lockDir, old, old);
}

const tempFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith(".tmp"));

describe("JSON backend writer killed with SIGKILL at a chosen point", () => {
  const ROUNDS = 3;

  it(`inside the lock (${ROUNDS}×) and mid-write (${ROUNDS}×): the file is the last whole version, the dead lock is taken over, the temp file swept`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "acme-fault-json-point-"));
    try {
      const stock = createJsonInventoryStore({ dataDir: dir });
      const holds = createJsonHoldStore({ dataDir: dir });
      await stock.upsertItems(SHOP, [{ sku: SKU, productId: "hot", quantity: START_UNITS }], {
        reason: "import",
        actor: "t",
      });
      const file = shopFilePath(dir, SHOP);
      const lockDir = `${file}.lock`;
      let expectedQuantity = START_UNITS;

      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of ["hold-lock", "stall-rename"] as const) {
          const run = round * 2 + (mode === "hold-lock" ? 0 : 1);
          const before = await readFile(file, "utf8");
          const writer = startWriter(dir, run, mode);
          await writer.ready;
          writer.child.stdin!.end("go\n");
          const signal = mode === "hold-lock" ? "locked" : "renaming";
          await waitFor(() => writer.lines.length > 0, 5);
          expect(writer.lines).toEqual([signal]);
          writer.child.kill("SIGKILL");
          expect(await writer.exited).toBe("SIGKILL");

          // Killed exactly there: the lock is left behind and the file is the version before, byte for byte.
          expect(existsSync(lockDir), `${mode}: the dead writer's lock`).toBe(true);
          expect(await readFile(file, "utf8")).toBe(before);
          const temps = await tempFiles(dir);
          if (mode === "stall-rename") {
            // Its temp file is whole (fsynced before the rename) but was never renamed into place.
            expect(temps).toHaveLength(1);
            const orphan = JSON.parse(await readFile(path.join(dir, temps[0]!), "utf8")) as unknown;
            expect(JSON.stringify(orphan)).toContain(`stalled-${run}`);
            expect(before).not.toContain(`stalled-${run}`);
          } else {
            expect(temps).toEqual([]);
          }

          // The next writer takes the dead lock over (aged as time would age it), writes, and sweeps the temp file.
          await ageLock(lockDir);
          const after = await stock.adjustQuantity({
            shopId: SHOP,
            sku: SKU,
            variantKey: "",
            delta: 1,
            reason: "restock",
            actor: "t",
            note: `after-${run}`,
          });
          expectedQuantity += 1;
          expect(after.quantity).toBe(expectedQuantity); // neither the in-memory +1,000,000 nor the stalled +1 got in
          expect(await tempFiles(dir)).toEqual([]);
          await waitFor(() => !existsSync(lockDir));
          const state = await readShopState(dir, SHOP);
          expect(state.ledger.some((entry) => entry.note === `stalled-${run}`)).toBe(false);
        }
      }
      await expectStoreBooksBalance(stock, holds, SHOP);
      await stock.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("JSON backend writer killed with SIGKILL", () => {
  it(`keeps a whole file and every acknowledged write across ${KILLS} kills at random moments; a dead writer's lock never wedges the next`, async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "acme-fault-json-"));
    const stock = createJsonInventoryStore({ dataDir });
    const holds = createJsonHoldStore({ dataDir });
    await stock.upsertItems(SHOP, [{ sku: SKU, productId: "hot", quantity: START_UNITS }], {
      reason: "import",
      actor: "t",
    });
    const file = shopFilePath(dataDir, SHOP);
    const lockDir = `${file}.lock`;
    const random = prng(9);

    const acknowledged = {
      adjusts: new Set<string>(),
      holds: new Map<string, string>(),
      committed: new Set<string>(),
      released: new Set<string>(),
    };
    const figures = {
      kills: 0,
      acknowledgedWrites: 0,
      killedHoldingLock: 0,
      killedMidWrite: 0,
      naturalStaleTakeover: false,
      agedLocks: 0,
    };

    // Writers load their modules a few runs ahead (startup dominates); each touches nothing before "go".
    const AHEAD = 3;
    const queue = Array.from({ length: Math.min(AHEAD, KILLS) }, (_, run) => startWriter(dataDir, run));
    for (let run = 0; run < KILLS; run++) {
      const writer = queue.shift()!;
      if (run + AHEAD < KILLS) queue.push(startWriter(dataDir, run + AHEAD));
      await writer.ready;
      writer.child.stdin!.end("go\n");
      // Let it write for a while (0..300 ms, from a seeded PRNG), then kill it wherever it is.
      await sleep(Math.floor(random() * 300));
      writer.child.kill("SIGKILL");
      expect(await writer.exited).toBe("SIGKILL");
      figures.kills += 1;

      // The file parses, and the platform reads it.
      JSON.parse(await readFile(file, "utf8"));
      const state = await readShopState(dataDir, SHOP);
      for (const line of writer.lines) {
        const [kind, a, b] = line.split(" ");
        if (kind === "A") acknowledged.adjusts.add(a!);
        else if (kind === "H") acknowledged.holds.set(a!, b!);
        else if (kind === "C") acknowledged.committed.add(a!);
        else if (kind === "R") acknowledged.released.add(a!);
        else throw new Error(`writer ${run} said: ${line}`);
      }
      figures.acknowledgedWrites += writer.lines.length;

      // Every acknowledged write so far is on disk, right after the kill.
      const notes = new Set(state.ledger.map((entry) => entry.note));
      for (const id of acknowledged.adjusts) expect(notes.has(id), `acknowledged adjust ${id} lost`).toBe(true);
      const heldByKey = new Map(state.holds.map((hold) => [hold.idempotencyKey, hold]));
      for (const [key, holdId] of acknowledged.holds)
        expect(heldByKey.get(key)?.id, `acknowledged hold ${key} lost`).toBe(holdId);
      const statusById = new Map(state.holds.map((hold) => [hold.id, hold.status]));
      for (const holdId of acknowledged.committed) expect(statusById.get(holdId)).toBe("committed");
      for (const holdId of acknowledged.released) expect(statusById.get(holdId)).toBe("released");

      // A writer killed mid-write leaves its temp file; the next write sweeps it (counted: kills that hit a write).
      figures.killedMidWrite += (await readdir(dataDir)).filter((name) => name.endsWith(".tmp")).length > 0 ? 1 : 0;
      if (existsSync(lockDir)) {
        figures.killedHoldingLock += 1;
        if (!figures.naturalStaleTakeover) {
          // Once, the honest way: the next writer (here, this process) waits for the dead lock to go stale and takes it
          // over.
          const after = await stock.adjustQuantity({
            shopId: SHOP,
            sku: SKU,
            variantKey: "",
            delta: 1,
            reason: "restock",
            actor: "t",
            note: `parent-${run}`,
          });
          expect(after.quantity).toBeGreaterThan(START_UNITS);
          figures.naturalStaleTakeover = true;
        } else if (existsSync(lockDir)) {
          // Otherwise age it as time would (LOCK_STALE_MS), so 25 kills need not wait 10 s each; the next writer takes
          // it over.
          await ageLock(lockDir).catch(() => undefined);
          figures.agedLocks += 1;
        }
      }
    }

    // A last writer after the final kill works normally: nothing is wedged.
    const last = await stock.adjustQuantity({
      shopId: SHOP,
      sku: SKU,
      variantKey: "",
      delta: 1,
      reason: "restock",
      actor: "t",
      note: "last",
    });
    expect(last.version).toBeGreaterThan(1);
    // No dead writer's temp file is left behind.
    expect((await readdir(dataDir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    await waitFor(() => !existsSync(lockDir));

    // Books balance: reconciliation clean, ledger replays to quantity, no unit sold twice.
    await expectStoreBooksBalance(stock, holds, SHOP);
    const state = await readShopState(dataDir, SHOP);
    const item = state.items.get(itemKey(SKU, ""))!;
    const committedUnits = state.holds
      .filter((hold) => hold.status === "committed")
      .reduce((n, hold) => n + hold.items[0]!.quantity, 0);
    const restocked = state.ledger.filter((entry) => entry.reason === "restock").length;
    expect(item.quantity).toBe(START_UNITS + restocked - committedUnits);
    expect(state.ledger.filter((entry) => entry.reason === "sale").length).toBe(committedUnits);
    // Each acknowledged write exactly once (no write replayed twice by a takeover).
    const noteCounts = new Map<string, number>();
    for (const entry of state.ledger) if (entry.note) noteCounts.set(entry.note, (noteCounts.get(entry.note) ?? 0) + 1);
    for (const [note, count] of noteCounts) expect({ note, count }).toEqual({ note, count: 1 });

    expect(acknowledged.adjusts.size).toBeGreaterThan(0);
    console.info(
      `[faults] json sigkill: ${JSON.stringify({ ...figures, acknowledgedHolds: acknowledged.holds.size })}`,
    );
    await stock.close();
  }, 120_000);
});
