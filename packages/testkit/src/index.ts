export { freePort, startEmbeddedPostgres } from "./postgres.ts";
export type { EmbeddedPostgresOptions, RunningPostgres } from "./postgres.ts";
