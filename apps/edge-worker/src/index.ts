export { createEdgeWorker } from "./create-edge-worker.ts";
export type { EdgeWorker, EdgeWorkerOptions } from "./create-edge-worker.ts";
