import path from "node:path";
import { getDatabase } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";
import { createJsonOpsAlertStore, createPrismaOpsAlertStore, type OpsAlert, type OpsAlertStore } from "./ops-alert-store.ts";

const globalForAlerts = globalThis as unknown as { __acmeOpsAlertStore?: OpsAlertStore };

export function getOpsAlertStore(): OpsAlertStore {
  if (!globalForAlerts.__acmeOpsAlertStore) {
    const env = getEnv();
    globalForAlerts.__acmeOpsAlertStore =
      env.INVENTORY_BACKEND === "json"
        ? createJsonOpsAlertStore({ dataDir: path.resolve(env.INVENTORY_DATA_DIR) })
        : createPrismaOpsAlertStore(getDatabase());
  }
  return globalForAlerts.__acmeOpsAlertStore;
}

export function setOpsAlertStore(store: OpsAlertStore | undefined): void {
  globalForAlerts.__acmeOpsAlertStore = store;
}

/**
 * Raises an operational alert: one structured line on stderr (picked up by any
 * log pipeline) and a durable record. Never throws: an alert that cannot be
 * stored must not hide the failure that raised it; the log line remains.
 */
export async function sendOpsAlert(alert: OpsAlert, options: { store?: OpsAlertStore; now?: Date } = {}): Promise<boolean> {
  const now = options.now ?? new Date();
  console.error(JSON.stringify({ level: alert.severity, opsAlert: alert.kind, message: alert.message, details: alert.details ?? {}, at: now.toISOString() }));
  try {
    await (options.store ?? getOpsAlertStore()).record(alert, now);
    return true;
  } catch (error) {
    console.error(JSON.stringify({ level: "critical", opsAlert: "ops_alert_not_recorded", message: error instanceof Error ? error.message : String(error) }));
    return false;
  }
}
