import { baseConfig } from "@acme/eslint-config/base";
import { nextjsConfig } from "@acme/eslint-config/nextjs";
import { defineConfig } from "eslint/config";

export default defineConfig(baseConfig, nextjsConfig);
