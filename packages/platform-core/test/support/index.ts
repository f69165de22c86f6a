// Test-only entry point (`@acme/platform-core/test-support`): real databases for the apps' tests.
export { createEmptyDatabase, createTestDatabase } from "./test-database.ts";
export type { TestDatabase } from "./test-database.ts";
export { STATE_TABLES, stateSnapshot } from "../fuzz/state-snapshot.ts";
