import { defineConfig } from "prisma/config";

// The CLI reads the connection string here; the application passes its own
// (DATABASE_URL, pooled) to the pg driver adapter
// (packages/platform-core/src/db/prisma-client.ts). Migrations need a direct
// connection (Prisma holds an advisory lock for the session), so
// DATABASE_DIRECT_URL wins when set: Prisma 7's replacement for `directUrl`.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url: process.env.DATABASE_DIRECT_URL || process.env.DATABASE_URL || "postgresql://localhost:5432/acme",
  },
});
