import { serverCodeAliases } from "@acme/testkit/vitest";
import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { alias: serverCodeAliases },
  test: {
    name: "bcd-shop",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // A real PostgreSQL; the end-to-end test serves the CMS and this shop's production builds against it.
    globalSetup: ["@acme/platform-core/test-support/global-postgres"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser polls wait for pages under load (two Next servers and PostgreSQL on 2 cores).
    expect: { poll: { timeout: 30_000, interval: 100 } },
  },
});
