import { serverCodeAliases } from "@acme/testkit/vitest";
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { alias: serverCodeAliases },
  test: {
    name: "cms",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["@acme/platform-core/test-support/global-postgres"],
    // Fixed fast-check seed in CI, fresh seeds locally.
    setupFiles: ["../../packages/platform-core/test/support/fast-check-seed.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser tests poll the page until it shows a result; on a loaded 2-core
    // machine a 10,000-row import can take seconds, so polls wait up to 30 s.
    expect: { poll: { timeout: 30_000, interval: 100 } },
  },
});
