export { freePort, startEmbeddedPostgres } from "./postgres.ts";
export type { EmbeddedPostgresOptions, RunningPostgres } from "./postgres.ts";
export { serveFetchHandler } from "./serve-fetch.ts";
export type { ServedFetchHandler } from "./serve-fetch.ts";
