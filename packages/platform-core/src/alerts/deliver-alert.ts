import nodemailer from "nodemailer";
import type { AlertChannels } from "./alert-channels.ts";
import type { AlertChannel, AlertDeliveryLog, AlertSource, DeliveryAttempt } from "./alert-delivery-log.ts";
import { ALERT_SIGNATURE_HEADER, signAlertWebhook } from "./alert-webhook-signature.ts";

/** One alert, rendered for every channel. */
export interface AlertMessage {
  source: AlertSource;
  /** Id of the crossing or ops alert row; also sent as `X-Acme-Alert-Id` so receivers can drop duplicates. */
  sourceId: string;
  subject: string;
  text: string;
  /** The webhook body (JSON). */
  payload: Record<string, unknown>;
}

export interface DeliveryReport {
  attempts: DeliveryAttempt[];
  /** Channel targets that got the alert, and those that did not after every attempt. */
  sent: Array<{ channel: AlertChannel; target: string }>;
  failed: Array<{ channel: AlertChannel; target: string; error: string }>;
}

/** A failure worth another attempt (network, timeout, 5xx, 429) or not (a permanent refusal). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Sends one alert by email (one message to every recipient) and to every
 * webhook URL, concurrently, each with a per-attempt timeout and bounded
 * retries with exponential backoff. Never throws: every attempt is in the
 * report and, when `log` is given, written to it (a failing log is reported
 * on stderr, the delivery result stands).
 */
export async function deliverAlert(
  message: AlertMessage,
  options: { channels: AlertChannels; log?: AlertDeliveryLog },
): Promise<DeliveryReport> {
  const { channels } = options;
  const jobs: Array<Promise<DeliveryAttempt[]>> = [];
  if (channels.email) {
    const email = channels.email;
    jobs.push(withRetries("email", email.to.join(", "), channels, () => sendEmail(message, email, channels.timeoutMs)));
  }
  for (const url of channels.webhooks.urls) {
    jobs.push(withRetries("webhook", displayUrl(url), channels, () => postWebhook(message, url, channels)));
  }
  const attempts = (await Promise.all(jobs)).flat();
  const report: DeliveryReport = { attempts, sent: [], failed: [] };
  for (const job of groupByTarget(attempts)) {
    const last = job[job.length - 1]!;
    if (last.outcome === "sent") report.sent.push({ channel: last.channel, target: last.target });
    else report.failed.push({ channel: last.channel, target: last.target, error: last.error ?? "failed" });
  }
  if (options.log) {
    await options.log.record(message.source, message.sourceId, attempts).catch((error: unknown) => {
      console.error(
        JSON.stringify({
          level: "error",
          event: "alert_delivery_not_logged",
          source: message.source,
          sourceId: message.sourceId,
          message: errorText(error),
        }),
      );
    });
  }
  return report;
}

async function withRetries(
  channel: AlertChannel,
  target: string,
  channels: AlertChannels,
  send: () => Promise<void>,
): Promise<DeliveryAttempt[]> {
  const attempts: DeliveryAttempt[] = [];
  const maxAttempts = Math.max(1, Math.trunc(channels.maxAttempts));
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      await send();
      attempts.push({ channel, target, attempt, outcome: "sent", at: new Date() });
      return attempts;
    } catch (error) {
      attempts.push({ channel, target, attempt, outcome: "failed", error: errorText(error), at: new Date() });
      if (error instanceof AttemptError && !error.retryable) return attempts;
      if (attempt < maxAttempts) {
        const wait = channels.backoffMs * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, wait / 2 + Math.random() * (wait / 2)));
      }
    }
  }
  return attempts;
}

async function sendEmail(
  message: AlertMessage,
  email: NonNullable<AlertChannels["email"]>,
  timeoutMs: number,
): Promise<void> {
  const transport = nodemailer.createTransport({
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...email.transport,
  });
  try {
    await transport.sendMail({
      from: email.from,
      to: email.to,
      subject: message.subject,
      text: message.text,
      headers: { "X-Acme-Alert-Id": `${message.source}:${message.sourceId}` },
    });
  } catch (error) {
    // SMTP 5xx is a permanent refusal (unknown recipient, policy); anything else may pass next time.
    const code = (error as { responseCode?: unknown }).responseCode;
    throw new AttemptError(errorText(error), !(typeof code === "number" && code >= 500));
  } finally {
    transport.close();
  }
}

async function postWebhook(message: AlertMessage, url: string, channels: AlertChannels): Promise<void> {
  const secret = channels.webhooks.secret;
  if (!secret) throw new AttemptError("ALERT_WEBHOOK_SECRET is not set; alert webhooks are never sent unsigned", false);
  const body = JSON.stringify(message.payload);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [ALERT_SIGNATURE_HEADER]: signAlertWebhook(body, secret),
        "X-Acme-Alert-Id": `${message.source}:${message.sourceId}`,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(channels.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new AttemptError(timedOut ? `no answer within ${channels.timeoutMs} ms` : errorText(error), true);
  }
  await response.body?.cancel().catch(() => {});
  if (response.status >= 200 && response.status < 300) return;
  const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
  throw new AttemptError(`HTTP ${response.status}`, retryable);
}

function groupByTarget(attempts: DeliveryAttempt[]): DeliveryAttempt[][] {
  const groups = new Map<string, DeliveryAttempt[]>();
  for (const attempt of attempts) {
    const key = `${attempt.channel}\u0000${attempt.target}`;
    groups.set(key, [...(groups.get(key) ?? []), attempt]);
  }
  return [...groups.values()];
}

/** Webhook URLs often carry a token in the query string; it never reaches logs or the database. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
