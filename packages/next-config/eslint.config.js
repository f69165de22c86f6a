import { baseConfig } from "@acme/eslint-config/base";
import { defineConfig } from "eslint/config";

export default defineConfig(baseConfig, {
  // No tsconfig.json here: the declarations of index.js are checked on their own.
  files: ["**/*.ts"],
  languageOptions: {
    parserOptions: { projectService: { allowDefaultProject: ["index.d.ts"] }, tsconfigRootDir: import.meta.dirname },
  },
});
