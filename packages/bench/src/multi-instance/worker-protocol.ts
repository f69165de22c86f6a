import type { ErrorCount } from "../create-error-tally.ts";

/** What one instance process is asked to do (passed as its one argument, JSON). */
export interface WorkerTask {
  mode: "library" | "floor";
  url: string;
  shopId: string;
  sku: string;
  buyers: number;
  poolSize: number;
  timeoutSeconds: number;
  /** Id prefix of the floor's hold rows, so they can be removed afterwards. */
  floorHoldPrefix: string;
}

export type WorkerMessage =
  | { type: "ready" }
  | { type: "done"; granted: number; latencies: number[]; errors: ErrorCount[]; timedOut: boolean }
  | { type: "failed"; message: string };
