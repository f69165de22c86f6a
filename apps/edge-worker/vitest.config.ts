import { serverCodeAliases } from "@acme/testkit/vitest";
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { alias: serverCodeAliases },
  test: {
    name: "edge-worker",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // A real PostgreSQL behind the loopback authority (and the CMS build, when present).
    globalSetup: ["@acme/platform-core/test-support/global-postgres"],
    // Fixed fast-check seed in CI, fresh seeds locally.
    setupFiles: ["../../packages/platform-core/test/support/fast-check-seed.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
