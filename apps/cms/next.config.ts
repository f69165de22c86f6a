import type { NextConfig } from "next";
import { fileURLToPath } from "node:url";

const development = process.env.NODE_ENV === "development";

// Sent with every response, pages and API routes alike.
const securityHeaders = [
  {
    key: "Content-Security-Policy",
    value: [
      "default-src 'self'",
      // Next.js inlines its bootstrap scripts; React's dev tooling needs eval in development only.
      `script-src 'self' 'unsafe-inline'${development ? " 'unsafe-eval'" : ""}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "object-src 'none'",
    ].join("; "),
  },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" },
];

const config: NextConfig = {
  // The library ships TypeScript source; Next compiles it with the app.
  transpilePackages: ["@acme/platform-core"],
  // Native or Node-only packages stay outside the server bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@node-rs/argon2", "proper-lockfile", "nodemailer", "prom-client"],
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
  // The health check compares the database with the migration files, so deployments carry them.
  outputFileTracingIncludes: { "/api/health": ["../../prisma/migrations/**/*"] },
  // `pnpm typecheck` runs tsc over every package; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  experimental: { authInterrupts: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default config;
