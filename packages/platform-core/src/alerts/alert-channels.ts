import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { getEnv, type Env } from "../env.ts";

/** Where alerts go, and how hard delivery tries. Built from the environment unless set explicitly. */
export interface AlertChannels {
  /** Email through SMTP; absent when `SMTP_HOST` or `STOCK_ALERT_RECIPIENT` is not set. */
  email?: { transport: SMTPTransport.Options; from: string; to: string[] };
  /** Webhook URLs POSTed with a signed JSON body; `secret` signs (`ALERT_WEBHOOK_SECRET`). */
  webhooks: { urls: string[]; secret?: string };
  /** Per attempt, per channel (ms). */
  timeoutMs: number;
  /** Attempts per channel, the first included. */
  maxAttempts: number;
  /** Wait before the first retry (ms); doubled for each next one, with jitter. */
  backoffMs: number;
}

export const ALERT_DELIVERY_DEFAULTS = { timeoutMs: 5_000, maxAttempts: 3, backoffMs: 250 } as const;

/**
 * Reads the channels from the validated environment (SMTP_*, STOCK_ALERT_RECIPIENT, STOCK_ALERT_WEBHOOK_URLS,
 * ALERT_WEBHOOK_SECRET).
 */
export function alertChannelsFromEnv(env: Env = getEnv()): AlertChannels {
  const to = (env.STOCK_ALERT_RECIPIENT ?? "")
    .split(",")
    .map((address) => address.trim())
    .filter(Boolean);
  const email =
    env.SMTP_HOST && to.length > 0
      ? {
          transport: {
            host: env.SMTP_HOST,
            port: env.SMTP_PORT,
            secure: env.SMTP_SECURE,
            ...(env.SMTP_USER ? { auth: { user: env.SMTP_USER, pass: env.SMTP_PASSWORD ?? "" } } : {}),
            connectionTimeout: ALERT_DELIVERY_DEFAULTS.timeoutMs,
            greetingTimeout: ALERT_DELIVERY_DEFAULTS.timeoutMs,
            socketTimeout: ALERT_DELIVERY_DEFAULTS.timeoutMs,
          },
          from: env.SMTP_FROM,
          to,
        }
      : undefined;
  return {
    ...(email ? { email } : {}),
    webhooks: {
      urls: env.STOCK_ALERT_WEBHOOK_URLS,
      ...(env.ALERT_WEBHOOK_SECRET ? { secret: env.ALERT_WEBHOOK_SECRET } : {}),
    },
    ...ALERT_DELIVERY_DEFAULTS,
  };
}

const globalForChannels = globalThis as unknown as { __acmeAlertChannels?: AlertChannels };

/** The channels in use: those set with `setAlertChannels`, else the environment's (none if it is invalid). */
export function getAlertChannels(): AlertChannels {
  if (globalForChannels.__acmeAlertChannels) return globalForChannels.__acmeAlertChannels;
  try {
    return alertChannelsFromEnv();
  } catch {
    return { webhooks: { urls: [] }, ...ALERT_DELIVERY_DEFAULTS };
  }
}

/** Overrides the environment's channels for this process (`undefined` goes back to the environment). */
export function setAlertChannels(channels: AlertChannels | undefined): void {
  globalForChannels.__acmeAlertChannels = channels;
}

export function hasAlertChannels(channels: AlertChannels): boolean {
  return channels.email !== undefined || channels.webhooks.urls.length > 0;
}
