import { baseConfig } from "@acme/eslint-config/base";
import { defineConfig, globalIgnores } from "eslint/config";

// The root's own files only; each workspace package lints itself with its own
// eslint.config.js (`turbo run lint`).
export default defineConfig(globalIgnores(["apps/", "packages/", "tooling/"]), baseConfig, {
  // No tsconfig.json at the root: its few TypeScript files get the shared compiler options.
  files: ["**/*.ts"],
  languageOptions: {
    parserOptions: {
      projectService: { allowDefaultProject: ["*.ts"], defaultProject: "tsconfig.base.json" },
      tsconfigRootDir: import.meta.dirname,
    },
  },
});
