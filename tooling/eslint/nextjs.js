import nextPlugin from "@next/eslint-plugin-next";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

/** Added after `baseConfig` by the Next.js apps: Next's own rules and the rules of hooks. */
export const nextjsConfig = defineConfig(
  // Written by `next dev` / `next build`.
  globalIgnores(["next-env.d.ts"]),
  {
    files: ["**/*.{ts,tsx}"],
    // Next's recommended rules, with those that hurt Core Web Vitals as errors.
    extends: [nextPlugin.configs["core-web-vitals"]],
  },
  {
    files: ["**/*.tsx"],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: { ...globals.browser } },
  },
);
