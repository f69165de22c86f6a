import { defineConfig } from "vitest/config";

// One run for the whole monorepo: each package and app is a project.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts"],
    // Integration tests hold real connections and child processes; two
    // workers match the 2-core machines the suite must run on.
    pool: "forks",
    maxWorkers: 2,
  },
});
