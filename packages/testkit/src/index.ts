export { freePort, postgresDataDir, startEmbeddedPostgres } from "./postgres.ts";
export type { EmbeddedPostgresOptions, RunningPostgres } from "./postgres.ts";
export { serveFetchHandler } from "./serve-fetch.ts";
export type { ServedFetchHandler } from "./serve-fetch.ts";
export { chromiumExecutable, launchChromium } from "./chromium.ts";
export { startNextApp } from "./next-app.ts";
export type { RunningNextApp, StartNextAppOptions } from "./next-app.ts";
export { startSmtpSink } from "./smtp-sink.ts";
export type { ReceivedMail, SmtpSink } from "./smtp-sink.ts";
