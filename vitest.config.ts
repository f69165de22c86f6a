import { defineConfig } from "vitest/config";

// One run for the whole monorepo: each package and app is a project.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts"],
  },
});
