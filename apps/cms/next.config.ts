import { platformNextConfig } from "@acme/next-config";

export default platformNextConfig({
  // The health check compares the database with the migration files, so deployments carry them.
  outputFileTracingIncludes: { "/api/health": ["../../prisma/migrations/**/*"] },
  // `forbidden()` answers a signed-in operator who lacks a role or shop with the 403 page.
  experimental: { authInterrupts: true },
});
