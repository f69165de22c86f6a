import lockfile from "proper-lockfile";
import { InventoryError } from "../../errors/inventory-error.ts";

/** A lock older than this is taken over: its holder crashed (a live holder refreshes it every `LOCK_UPDATE_MS`). */
export const LOCK_STALE_MS = 10_000;
const LOCK_UPDATE_MS = 2_000;
/**
 * How long the head of a process's queue waits for other processes: longer than `LOCK_STALE_MS`, so a crashed holder
 * never fails callers.
 */
export const DEFAULT_LOCK_WAIT_MS = 30_000;

export interface ShopLock {
  /** Throws `unavailable` when another process took the lock over (we stalled past `LOCK_STALE_MS`). */
  assertHeld(): void;
}

// Callers in one process queue here per file, so at most one of them polls the
// cross-process lock at a time: 500 concurrent callers in two processes make
// two contenders, not 500 spinning on mkdir.
const queues = new Map<string, Promise<unknown>>();

function enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

/**
 * Runs `task` while holding the exclusive lock of `filePath`, first within
 * this process, then across processes (`proper-lockfile`: an mkdir'ed
 * `${filePath}.lock` directory whose mtime is refreshed while held). The file
 * itself need not exist, hence `realpath: false`.
 */
export function withShopLock<T>(
  filePath: string,
  task: (lock: ShopLock) => Promise<T>,
  options: { waitMs?: number } = {},
): Promise<T> {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  return enqueue(filePath, async () => {
    let compromised: Error | undefined;
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(filePath, {
        realpath: false,
        lockfilePath: `${filePath}.lock`,
        stale: LOCK_STALE_MS,
        update: LOCK_UPDATE_MS,
        // Short randomised polls: holds last milliseconds, so long sleeps would
        // only waste time; maxRetryTime bounds the total wait.
        retries: {
          retries: Math.ceil(waitMs / 10),
          factor: 1.5,
          minTimeout: 2,
          maxTimeout: 50,
          randomize: true,
          maxRetryTime: waitMs,
        },
        onCompromised: (error) => {
          // The default throws from a timer and kills the process; instead the
          // write checks `assertHeld` and refuses to commit.
          compromised = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ELOCKED") {
        throw new InventoryError(
          "unavailable",
          "The inventory file is busy (locked by another process). Try again shortly.",
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    const lock: ShopLock = {
      assertHeld() {
        if (compromised) {
          throw new InventoryError(
            "unavailable",
            "Lost the inventory file lock (the process stalled); nothing was written. Try again.",
            {
              cause: compromised,
            },
          );
        }
      },
    };
    try {
      return await task(lock);
    } finally {
      // A compromised lock may already belong to someone else: leave it alone.
      if (!compromised) await release().catch(() => undefined);
    }
  });
}
