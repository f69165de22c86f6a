import type { NextConfig } from "next";
import { fileURLToPath } from "node:url";

// Same pattern as the CMS: the library ships TypeScript source and Next compiles it with the app.
const config: NextConfig = {
  transpilePackages: ["@acme/platform-core"],
  // Native or Node-only packages stay outside the server bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@node-rs/argon2", "proper-lockfile", "nodemailer", "prom-client"],
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
  // `pnpm typecheck` runs tsc over every package; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
};

export default config;
