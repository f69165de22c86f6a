import { baseConfig } from "@acme/eslint-config/base";
import { defineConfig } from "eslint/config";

export default defineConfig(baseConfig, {
  // tsconfig.json covers src/ only: the declarations of vitest-resolve.mjs are checked on their own.
  files: ["**/*.{ts,mts}"],
  languageOptions: {
    parserOptions: {
      projectService: { allowDefaultProject: ["vitest-resolve.d.mts"] },
      tsconfigRootDir: import.meta.dirname,
    },
  },
});
