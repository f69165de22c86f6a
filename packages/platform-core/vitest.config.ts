import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "platform-core",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/support/global-postgres.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
