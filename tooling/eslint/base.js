import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * The config every package and app starts from: ESLint's and typescript-eslint's
 * recommended rules, the latter with type information (each file is checked
 * against its package's tsconfig.json through the project service). Types cost
 * about four times the CPU of syntax-only linting, and buy the promise rules
 * (no-floating-promises, no-misused-promises) and the `any` leaks.
 */
export const baseConfig = defineConfig(
  // Build output and local state; a package adds its own generated code.
  globalIgnores(["**/.next/", "**/dist/", "**/.turbo/", "**/coverage/", "**/test-results/", "**/.data/"]),
  {
    files: ["**/*.{js,mjs,cjs,ts,mts,cts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { "@stylistic": stylistic },
    rules: {
      // Prettier wraps code at 120 columns but leaves comments and strings alone: comments wrap
      // here too. A string, template, URL or pattern stays whole (an exact message Stripe sends,
      // a SQL column list), since cutting it would only make it harder to search for.
      "@stylistic/max-len": [
        "error",
        {
          code: 120,
          tabWidth: 2,
          ignoreUrls: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
        },
      ],
      // A leading underscore says "unused on purpose" (a callback's position, a rest sibling's omission).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Plain JavaScript is not part of any tsconfig.json: lint it without types.
    files: ["**/*.{js,mjs,cjs}"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
