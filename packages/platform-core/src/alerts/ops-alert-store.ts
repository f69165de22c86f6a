import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Database } from "../db/prisma-client.ts";

export type OpsAlertSeverity = "info" | "warning" | "critical";

export interface OpsAlert {
  severity: OpsAlertSeverity;
  /** Stable machine name, e.g. `hold_commit_failed`, `oversold_at_payment`. */
  kind: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Where raised alerts are kept until delivered (delivery by email and webhook reads from here). */
export interface OpsAlertStore {
  record(alert: OpsAlert, now: Date): Promise<void>;
}

export function createPrismaOpsAlertStore(database: Database): OpsAlertStore {
  return {
    async record(alert, now) {
      await database.pool.query(
        `INSERT INTO "OpsAlert" (severity, kind, message, details, "createdAt") VALUES ($1, $2, $3, $4, $5)`,
        [alert.severity, alert.kind, alert.message, JSON.stringify(alert.details ?? {}), now],
      );
    },
  };
}

/** JSON backend: one JSON line per alert in `<dataDir>/ops-alerts.jsonl` (appends of one line are atomic). */
export function createJsonOpsAlertStore({ dataDir }: { dataDir: string }): OpsAlertStore {
  return {
    async record(alert, now) {
      await mkdir(dataDir, { recursive: true });
      await appendFile(path.join(dataDir, "ops-alerts.jsonl"), `${JSON.stringify({ ...alert, createdAt: now.toISOString() })}\n`);
    },
  };
}
