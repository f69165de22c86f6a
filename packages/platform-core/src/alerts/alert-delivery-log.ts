import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Database } from "../db/prisma-client.ts";

export type AlertSource = "stock" | "ops";
export type AlertChannel = "email" | "webhook";

/** One try to deliver one alert on one channel. */
export interface DeliveryAttempt {
  channel: AlertChannel;
  /** Recipient addresses, or the webhook URL without its query string. */
  target: string;
  /** 1-based. */
  attempt: number;
  outcome: "sent" | "failed";
  error?: string;
  at: Date;
}

/** Where every delivery attempt is written down (the `AlertDelivery` table, or a JSON-lines file). */
export interface AlertDeliveryLog {
  record(source: AlertSource, sourceId: string, attempts: DeliveryAttempt[]): Promise<void>;
}

export function createPrismaAlertDeliveryLog(database: Database): AlertDeliveryLog {
  return {
    async record(source, sourceId, attempts) {
      if (attempts.length === 0) return;
      await database.pool.query(
        `INSERT INTO "AlertDelivery" (source, "sourceId", channel, target, attempt, outcome, error, "createdAt")
         SELECT $1, $2, t.channel, t.target, t.attempt, t.outcome, t.error, t.at
         FROM unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::timestamptz[])
           AS t(channel, target, attempt, outcome, error, at)`,
        [
          source,
          sourceId,
          attempts.map((a) => a.channel),
          attempts.map((a) => a.target),
          attempts.map((a) => a.attempt),
          attempts.map((a) => a.outcome),
          attempts.map((a) => a.error ?? null),
          attempts.map((a) => a.at),
        ],
      );
    },
  };
}

/** JSON backend: one line per attempt in `<dataDir>/alert-deliveries.jsonl`. */
export function createJsonAlertDeliveryLog({ dataDir }: { dataDir: string }): AlertDeliveryLog {
  return {
    async record(source, sourceId, attempts) {
      if (attempts.length === 0) return;
      await mkdir(dataDir, { recursive: true });
      const lines = attempts.map((a) => JSON.stringify({ source, sourceId, ...a, at: a.at.toISOString() })).join("\n");
      await appendFile(path.join(dataDir, "alert-deliveries.jsonl"), `${lines}\n`);
    },
  };
}
