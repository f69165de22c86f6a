/** What a group-committed command needs: the shop whose rows it locks, and its clock reading. */
export interface GroupCommand {
  shopId: string;
  now: Date;
}

interface Pending<C, R> {
  command: C;
  // Function properties: a promise's resolve and reject, handed on unbound to `then`.
  resolve: (outcome: R) => void;
  reject: (error: unknown) => void;
}

/** `B`: one command's raw answer from a batch. */
export interface GroupCommitOptions<C extends GroupCommand, R, B = Record<string, unknown>> {
  maxBatch: number;
  /**
   * Batches of one shop in flight at once (default 1). A second batch would
   * only wait on the first's row locks and commit inside PostgreSQL; measured,
   * one larger batch per commit serves more requests per second.
   */
  maxInFlight?: number;
  /** One command alone (nothing else was waiting). */
  single(command: C): Promise<R>;
  /** Several commands of one shop in one transaction; one raw result per command, in order. */
  many(shopId: string, commands: C[], now: Date): Promise<B[]>;
  /** Turns a raw batch result into the caller's answer (it may take a slower path). */
  finish(command: C, result: B): Promise<R>;
}

/**
 * Group commit, for hold requests and for settlements. While one transaction
 * for a shop is in flight, new commands for that shop wait; when it ends,
 * everything that waited goes into the next transaction together, applied
 * first come first served, each caller getting its own answer. At low load a request runs
 * alone at once, so latency stays that of one transaction; under a flash sale
 * the number of transactions per second stays flat while the requests per
 * transaction grow, which is how one hot row serves more than its
 * per-transaction limit.
 */
export function createGroupCommit<C extends GroupCommand, R, B = Record<string, unknown>>(
  options: GroupCommitOptions<C, R, B>,
) {
  const queues = new Map<string, { pending: Array<Pending<C, R>>; running: number }>();
  const maxInFlight = options.maxInFlight ?? 1;
  const stats = { transactions: 0, requests: 0, largestBatch: 0 };

  async function drain(shopId: string) {
    const queue = queues.get(shopId)!;
    queue.running += 1;
    try {
      while (queue.pending.length > 0) {
        const batch = queue.pending.splice(0, options.maxBatch);
        // One clock reading for the batch: the latest, so no hold that expired
        // before any request arrived is mistaken for active. Each request keeps its own expiry.
        const now = Math.max(...batch.map((entry) => entry.command.now.getTime()));
        stats.transactions += 1;
        stats.requests += batch.length;
        stats.largestBatch = Math.max(stats.largestBatch, batch.length);
        if (batch.length === 1) {
          const [only] = batch;
          await options.single(only!.command).then(only!.resolve, only!.reject);
          continue;
        }
        try {
          const results = await options.many(
            shopId,
            batch.map((entry) => entry.command),
            new Date(now),
          );
          batch.forEach((entry, index) => {
            // Not awaited: a slow-path retry must not hold up the next batch.
            options.finish(entry.command, results[index]!).then(entry.resolve, entry.reject);
          });
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
        // Let the callers just answered come back before the next batch is cut:
        // in a closed loop (a flash sale's buyers retrying at once) they then
        // join the next transaction instead of waiting one more behind it.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      queue.running -= 1;
    }
  }

  return {
    /** Transactions run and requests served so far (for benchmarks and tests). */
    stats: () => ({ ...stats }),
    submit(command: C): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        let queue = queues.get(command.shopId);
        if (!queue) {
          queue = { pending: [], running: 0 };
          queues.set(command.shopId, queue);
        }
        queue.pending.push({ command, resolve, reject });
        if (queue.running < maxInFlight) void drain(command.shopId);
      });
    },
  };
}
