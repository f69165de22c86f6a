import { serverCodeAliases } from "@acme/testkit/vitest";
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { alias: serverCodeAliases },
  test: {
    name: "platform-core",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/support/global-postgres.ts"],
    // Fixed fast-check seed in CI, fresh seeds locally.
    setupFiles: ["./test/support/fast-check-seed.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
