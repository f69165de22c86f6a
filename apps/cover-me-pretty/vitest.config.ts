import { serverCodeAliases } from "@acme/testkit/vitest";
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { alias: serverCodeAliases },
  test: {
    name: "cover-me-pretty",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // A real PostgreSQL; the end-to-end test serves the CMS and shop production builds against it.
    globalSetup: ["@acme/platform-core/test-support/global-postgres"],
    // Fixed fast-check seed in CI, fresh seeds locally.
    setupFiles: ["../../packages/platform-core/test/support/fast-check-seed.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser polls wait for pages under load (two Next servers and PostgreSQL on 2 cores).
    expect: { poll: { timeout: 30_000, interval: 100 } },
  },
});
