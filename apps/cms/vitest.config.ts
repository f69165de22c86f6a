import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "cms",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["@acme/platform-core/test-support/global-postgres"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
