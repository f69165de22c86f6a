import { getMigrationStatus, getEnv, getDatabase } from "@acme/platform-core";

export const dynamic = "force-dynamic";

export async function GET() {
  const env = getEnv();
  const status = await getMigrationStatus({ databaseUrl: env.DATABASE_URL ?? "" });
  const count = await getDatabase().prisma.inventoryItem.count();
  return Response.json({ status, count });
}
