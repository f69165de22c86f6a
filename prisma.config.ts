import { defineConfig } from "prisma/config";

// The CLI reads the connection string here; the application passes it to the
// pg driver adapter (packages/platform-core/src/db/prisma-client.ts).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/acme" },
});
