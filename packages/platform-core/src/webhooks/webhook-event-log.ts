import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";

/** Ids of provider events already handled, so a redelivery does nothing twice. */
export interface WebhookEventLog {
  seen(eventId: string): Promise<boolean>;
  /** Records a handled event; recording the same id again is a no-op. */
  record(eventId: string, type: string, now: Date): Promise<void>;
}

export function createPrismaWebhookEventLog(database: Database): WebhookEventLog {
  return {
    async seen(eventId) {
      const result = await database.pool.query(`SELECT 1 FROM "ProcessedWebhookEvent" WHERE id = $1`, [eventId]);
      return (result.rowCount ?? 0) > 0;
    },
    async record(eventId, type, now) {
      await database.pool.query(
        `INSERT INTO "ProcessedWebhookEvent" (id, provider, type, "processedAt") VALUES ($1, 'stripe', $2, $3) ON CONFLICT (id) DO NOTHING`,
        [eventId, type, now],
      );
    },
  };
}

/** JSON backend: one marker file per event id (created exclusively, so concurrent writers agree). */
export function createJsonWebhookEventLog({ dataDir }: { dataDir: string }): WebhookEventLog {
  const folder = path.join(dataDir, "webhook-events");
  const file = (eventId: string) => path.join(folder, encodeURIComponent(eventId));
  return {
    async seen(eventId) {
      try {
        await stat(file(eventId));
        return true;
      } catch {
        return false;
      }
    },
    async record(eventId, type, now) {
      await mkdir(folder, { recursive: true });
      await writeFile(file(eventId), JSON.stringify({ type, processedAt: now.toISOString() }), { flag: "wx" }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        },
      );
    },
  };
}

const globalForEvents = globalThis as unknown as { __acmeWebhookEventLog?: WebhookEventLog };

export function getWebhookEventLog(): WebhookEventLog {
  if (!globalForEvents.__acmeWebhookEventLog) {
    const env = getEnv();
    globalForEvents.__acmeWebhookEventLog =
      env.INVENTORY_BACKEND === "json"
        ? createJsonWebhookEventLog({ dataDir: path.resolve(env.INVENTORY_DATA_DIR) })
        : createPrismaWebhookEventLog(getDatabase());
  }
  return globalForEvents.__acmeWebhookEventLog;
}
