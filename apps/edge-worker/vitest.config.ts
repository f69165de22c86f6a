import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "edge-worker",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // A real PostgreSQL behind the loopback authority (and the CMS build, when present).
    globalSetup: ["@acme/platform-core/test-support/global-postgres"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
