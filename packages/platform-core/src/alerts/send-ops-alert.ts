import { randomUUID } from "node:crypto";
import path from "node:path";
import { getDatabase } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";
import { getAlertChannels, hasAlertChannels, type AlertChannels } from "./alert-channels.ts";
import { deliverAlert, type DeliveryReport } from "./deliver-alert.ts";
import {
  createJsonOpsAlertStore,
  createPrismaOpsAlertStore,
  type OpsAlert,
  type OpsAlertStore,
} from "./ops-alert-store.ts";

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

export interface SendOpsAlertOptions {
  store?: OpsAlertStore;
  now?: Date;
  /** Default: `getAlertChannels()` (the environment's SMTP and webhook settings). */
  channels?: AlertChannels;
  /**
   * `background` (default): delivery runs after this returns, so a webhook
   * or checkout that raises an alert is not slowed by SMTP (await
   * `flushOpsAlertDeliveries()` before a serverless function ends).
   * `await`: returns after delivery (the cron). `none`: record only.
   */
  deliver?: "background" | "await" | "none";
}

const pendingDeliveries = new Set<Promise<unknown>>();

/**
 * NUL characters shown as U+2400 (␀): PostgreSQL refuses them in text and
 * jsonb, and an alert about hostile input (a hold id with a NUL in it) must
 * still be stored.
 */
function withVisibleNul<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll("\u0000", "\u2400") as T;
  if (Array.isArray(value)) return value.map(withVisibleNul) as T;
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [withVisibleNul(key), withVisibleNul(inner)]),
    ) as T;
  }
  return value;
}

/**
 * Raises an operational alert: one structured line on stderr (picked up by any
 * log pipeline), a durable record, then delivery by email and webhook (the
 * same machinery as stock alerts: signed webhooks, per-attempt timeout,
 * bounded retries), each attempt logged and the outcome noted on the alert.
 * Never throws: an alert that cannot be stored or delivered must not hide the
 * failure that raised it; the log line remains. Returns whether it was stored.
 */
export async function sendOpsAlert(raised: OpsAlert, options: SendOpsAlertOptions = {}): Promise<boolean> {
  const alert = withVisibleNul(raised);
  const now = options.now ?? new Date();
  console.error(
    JSON.stringify({
      level: alert.severity,
      opsAlert: alert.kind,
      message: alert.message,
      details: alert.details ?? {},
      at: now.toISOString(),
    }),
  );
  let store: OpsAlertStore | undefined;
  let id: string | void = undefined;
  let recorded = false;
  try {
    store = options.store ?? getOpsAlertStore();
    id = await store.record(alert, now);
    recorded = true;
  } catch (error) {
    console.error(
      JSON.stringify({
        level: "critical",
        opsAlert: "ops_alert_not_recorded",
        message: error instanceof Error ? error.message : String(error),
      }),
    );
  }
  const mode = options.deliver ?? "background";
  const channels = options.channels ?? getAlertChannels();
  if (mode === "none" || !hasAlertChannels(channels)) return recorded;
  const delivery = deliverOpsAlert(
    alert,
    id || `unrecorded_${randomUUID()}`,
    now,
    channels,
    store,
    id ? id : undefined,
  );
  if (mode === "await") {
    await delivery;
  } else {
    pendingDeliveries.add(delivery);
    void delivery.finally(() => pendingDeliveries.delete(delivery));
  }
  return recorded;
}

/** Waits for ops alert deliveries running in the background in this process. */
export async function flushOpsAlertDeliveries(): Promise<void> {
  while (pendingDeliveries.size > 0) await Promise.allSettled([...pendingDeliveries]);
}

async function deliverOpsAlert(
  alert: OpsAlert,
  sourceId: string,
  now: Date,
  channels: AlertChannels,
  store: OpsAlertStore | undefined,
  storedId: string | undefined,
): Promise<DeliveryReport | undefined> {
  try {
    const report = await deliverAlert(
      {
        source: "ops",
        sourceId,
        subject: `[${alert.severity}] ${alert.kind}: ${alert.message}`.slice(0, 200),
        text: `${alert.message}\n\nSeverity: ${alert.severity}\nKind: ${alert.kind}\nAt: ${now.toISOString()}\nDetails: ${JSON.stringify(alert.details ?? {}, null, 2)}`,
        payload: {
          type: "ops.alert",
          id: `ops_alert_${sourceId}`,
          severity: alert.severity,
          kind: alert.kind,
          message: alert.message,
          details: alert.details ?? {},
          createdAt: now.toISOString(),
        },
      },
      { channels, ...(store?.deliveries ? { log: store.deliveries } : {}) },
    );
    if (storedId && store?.markDelivered) {
      const error =
        report.failed.length === 0 ? null : report.failed.map((f) => `${f.channel} ${f.target}: ${f.error}`).join("; ");
      await store.markDelivered(storedId, { at: new Date(), error });
    }
    return report;
  } catch (error) {
    console.error(
      JSON.stringify({
        level: "critical",
        opsAlert: "ops_alert_not_delivered",
        kind: alert.kind,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    return undefined;
  }
}
