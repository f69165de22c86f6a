/**
 * Closed-loop load: `concurrency` buyers, each sending its next request as
 * soon as the previous one is answered, until `attempt` says it is done (sold
 * out) or the deadline passes. The offered load is whatever the system can
 * take, so the phase measures throughput; latency then follows from
 * Little's law (buyers / throughput).
 */
export async function runClosedLoop(options: {
  concurrency: number;
  timeoutSeconds: number;
  /** One request by one buyer; resolves to false when this buyer should stop. */
  attempt: (buyer: number) => Promise<boolean>;
  /** Checked before every request: a global stop (too many errors). */
  shouldStop?: () => boolean;
}): Promise<{ wallSeconds: number; timedOut: boolean }> {
  const started = performance.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let timedOut = false;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, buyer) => {
      while (!options.shouldStop?.()) {
        if (performance.now() > deadline) {
          timedOut = true;
          return;
        }
        if (!(await options.attempt(buyer))) return;
      }
    }),
  );
  return { wallSeconds: (performance.now() - started) / 1000, timedOut };
}
