import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Database } from "../db/prisma-client.ts";
import {
  createJsonAlertDeliveryLog,
  createPrismaAlertDeliveryLog,
  type AlertDeliveryLog,
} from "./alert-delivery-log.ts";

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
  /** Stores the alert; returns its id when the store assigns one. */
  record(alert: OpsAlert, now: Date): Promise<string | void>;
  /** Where delivery attempts are logged; alerts from a store without one are delivered but not logged. */
  readonly deliveries?: AlertDeliveryLog;
  /** Notes the delivery outcome on the alert (`error` null when every channel took it). */
  markDelivered?(id: string, outcome: { at: Date; error: string | null }): Promise<void>;
}

export function createPrismaOpsAlertStore(database: Database): OpsAlertStore {
  return {
    async record(alert, now) {
      const { rows } = await database.pool.query<{ id: string }>(
        `INSERT INTO "OpsAlert" (severity, kind, message, details, "createdAt") VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id`,
        [alert.severity, alert.kind, alert.message, JSON.stringify(alert.details ?? {}), now],
      );
      return rows[0]?.id;
    },
    deliveries: createPrismaAlertDeliveryLog(database),
    async markDelivered(id, { at, error }) {
      await database.pool.query(
        `UPDATE "OpsAlert" SET "deliveredAt" = $2, "deliveryError" = $3 WHERE id = $1::bigint`,
        [id, error === null ? at : null, error],
      );
    },
  };
}

/** JSON backend: one JSON line per alert in `<dataDir>/ops-alerts.jsonl` (appends of one line are atomic). */
export function createJsonOpsAlertStore({ dataDir }: { dataDir: string }): OpsAlertStore {
  return {
    async record(alert, now) {
      await mkdir(dataDir, { recursive: true });
      await appendFile(
        path.join(dataDir, "ops-alerts.jsonl"),
        `${JSON.stringify({ ...alert, createdAt: now.toISOString() })}\n`,
      );
    },
    deliveries: createJsonAlertDeliveryLog({ dataDir }),
  };
}
