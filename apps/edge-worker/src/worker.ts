import { isInventoryError } from "@acme/platform-core/universal";
import { createEdgeWorker, type EdgeWorker } from "./create-edge-worker.ts";
import { readWorkerEnv, type WorkerEnv } from "./read-worker-env.ts";

export type { WorkerEnv } from "./read-worker-env.ts";

/** What the worker answers while its settings are wrong: checkout paused, never admitted. */
function misconfigured(error: unknown): Response {
  const known = isInventoryError(error, "misconfigured");
  return Response.json(
    {
      code: "unavailable",
      message: known
        ? `${error.message} Checkout is paused, not guessed.`
        : "The edge worker could not start. Checkout is paused, not guessed.",
      ...(known ? { errors: error.details.errors } : {}),
    },
    { status: 503, headers: { "cache-control": "no-store" } },
  );
}

/** One worker per settings object: a runtime passes the same `env` to every request of an isolate. */
const built = new WeakMap<object, { worker: EdgeWorker } | { error: unknown }>();
const NO_ENV = {};

function workerFor(env: WorkerEnv | undefined): { worker: EdgeWorker } | { error: unknown } {
  const key = env ?? NO_ENV;
  let entry = built.get(key);
  if (!entry) {
    try {
      entry = { worker: createEdgeWorker(readWorkerEnv(env)) };
    } catch (error) {
      // Once per isolate, in the runtime's log; the variable's name, never its value.
      console.error(`[edge-worker] ${error instanceof Error ? error.message : String(error)}`);
      entry = { error };
    }
    built.set(key, entry);
  }
  return entry;
}

/**
 * The edge entry, in the Cloudflare Workers module format: the runtime calls
 * `fetch(request, env, ctx)` with its settings in `env` (see `read-worker-env.ts`).
 * Vercel Edge passes none: call `fetch(request, process.env)` from the route
 * (see README.md). A worker whose settings are missing or malformed answers
 * every request 503 naming them: it fails closed, as it does when the
 * authority cannot answer.
 */
export default {
  async fetch(request: Request, env?: WorkerEnv, _ctx?: unknown): Promise<Response> {
    const entry = workerFor(env);
    if ("error" in entry) return misconfigured(entry.error);
    return entry.worker.fetch(request);
  },
};
