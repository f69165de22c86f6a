// Plain JavaScript: Next.js loads each app's next.config.ts itself, and a
// workspace package imported from it must run without a TypeScript step.
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Headers sent with every response, pages and API routes alike. Next.js
 * inlines its bootstrap scripts, so `script-src` allows inline scripts;
 * React's development tooling needs eval, in development only.
 * @param {{ development: boolean }} options
 */
export function securityHeaders({ development }) {
  return [
    {
      key: "Content-Security-Policy",
      value: [
        "default-src 'self'",
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
}

/**
 * The settings every app shares, merged with the app's own.
 * @param {import("next").NextConfig} [own]
 * @returns {import("next").NextConfig}
 */
export function platformNextConfig(own = {}) {
  const headers = securityHeaders({ development: process.env.NODE_ENV === "development" });
  return {
    // The library ships TypeScript source; Next compiles it with the app.
    transpilePackages: ["@acme/platform-core"],
    // Native or Node-only packages stay outside the server bundle.
    serverExternalPackages: [
      "pg",
      "@prisma/adapter-pg",
      "@node-rs/argon2",
      "proper-lockfile",
      "nodemailer",
      "prom-client",
    ],
    turbopack: { root: REPO_ROOT },
    outputFileTracingRoot: REPO_ROOT,
    // `pnpm typecheck` runs tsc over every package; the build need not repeat it.
    typescript: { ignoreBuildErrors: true },
    poweredByHeader: false,
    async headers() {
      return [{ source: "/:path*", headers }];
    },
    ...own,
  };
}
