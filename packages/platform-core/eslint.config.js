import { baseConfig } from "@acme/eslint-config/base";
import { defineConfig, globalIgnores } from "eslint/config";

export default defineConfig(
  // The Prisma client, written by `prisma generate`.
  globalIgnores(["src/generated/"]),
  baseConfig,
);
