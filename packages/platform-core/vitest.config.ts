import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "platform-core",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/support/global-postgres.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests hold real connections; two workers match the 2-core machines.
    pool: "forks",
    maxWorkers: 2,
  },
});
