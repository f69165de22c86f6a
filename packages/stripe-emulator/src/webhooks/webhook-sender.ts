import { stripeId } from "../api/ids.ts";
import { signWebhookPayload } from "./sign-webhook-payload.ts";
import type { EmulatorEventType, EventObjects, StripeEvent } from "./stripe-event.ts";

/** "auto": deliver each event as it happens. "manual": hold events until the test delivers them. */
export type DeliveryMode = "auto" | "manual";

export interface RetryPolicy {
  /** Total attempts per delivery, the first included. */
  attempts: number;
  /** Wait before the first retry; doubles per retry up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/** One HTTP attempt to deliver one event. */
export interface DeliveryAttempt {
  eventId: string;
  eventType: EmulatorEventType;
  /** 1 for the first attempt of a delivery, 2 for its first retry, ... */
  attempt: number;
  url: string;
  /** When the attempt started (wall clock, ms since the epoch). */
  at: number;
  durationMs: number;
  /** The receiver's HTTP status; null when it could not be reached. */
  status: number | null;
  ok: boolean;
  error: string | null;
  /** The receiver's response body, cut to 1,000 characters. */
  responseBody: string;
}

/** The outcome of delivering one event (all its attempts). */
export interface DeliveryResult {
  eventId: string;
  ok: boolean;
  attempts: DeliveryAttempt[];
}

interface StoredEvent {
  event: StripeEvent;
  /** The exact body sent every time (Stripe redelivers the same bytes). */
  payload: string;
}

export interface WebhookSenderOptions {
  secret: string;
  url: string | undefined;
  mode: DeliveryMode;
  retry: RetryPolicy;
  timeoutMs: number;
  apiVersion: string;
  /** The emulator's clock (ms since the epoch): stamps `created` on events. */
  now: () => number;
  log: (line: string) => void;
}

/**
 * Creates events, signs them and POSTs them to the webhook URL with retries,
 * recording every attempt. Deliveries run outside any request handling, as at
 * Stripe: a slow or failing receiver never slows the API or the hosted page.
 */
export class WebhookSender {
  private readonly options: WebhookSenderOptions;
  private url: string | undefined;
  private readonly stored = new Map<string, StoredEvent>();
  private held: string[] = [];
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly controllers = new Set<AbortController>();
  private stopped = false;

  constructor(options: WebhookSenderOptions) {
    this.options = options;
    this.url = options.url;
  }

  get webhookUrl(): string | undefined {
    return this.url;
  }

  setUrl(url: string | undefined): void {
    this.url = url;
  }

  /** Records a new event and delivers it (auto mode) or holds it (manual mode, or no URL yet). */
  emit<Type extends EmulatorEventType>(
    type: Type,
    object: EventObjects[Type],
    request: StripeEvent["request"],
  ): StripeEvent<Type> {
    const event = {
      id: stripeId("evt", 24),
      object: "event",
      api_version: this.options.apiVersion,
      created: Math.floor(this.options.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: this.url === undefined ? 0 : 1,
      request,
      type,
    } as StripeEvent<Type>;
    // Stripe sends pretty-printed JSON: a receiver that re-serialises the
    // parsed body before verifying the signature fails here as it would there.
    const payload = JSON.stringify(event, null, 2);
    this.stored.set(event.id, { event: event as StripeEvent, payload });
    if (this.options.mode === "auto" && this.url !== undefined && !this.stopped) {
      // Delivered in the background, as Stripe does; idle() and stop() wait for it.
      void this.track(this.run(event.id));
    } else {
      this.held.push(event.id);
      this.options.log(
        `webhook ${event.type} ${event.id} held (${this.url === undefined ? "no webhook URL" : "manual delivery"})`,
      );
    }
    return structuredClone(event);
  }

  /** Delivers one event now (with retries), whether held or already delivered. */
  deliver(eventId: string): Promise<DeliveryResult> {
    this.eventRecord(eventId);
    this.held = this.held.filter((id) => id !== eventId);
    return this.track(this.run(eventId));
  }

  /** Delivers held events one after another, in the given order or in creation order. */
  async deliverPending(eventIds?: string[]): Promise<DeliveryResult[]> {
    const order = eventIds ?? [...this.held];
    for (const id of order) this.eventRecord(id);
    const results: DeliveryResult[] = [];
    for (const id of order) results.push(await this.deliver(id));
    return results;
  }

  /** The body and `Stripe-Signature` header for an event, so a test can post it itself. */
  sign(eventId: string, timestamp?: number): { payload: string; signature: string } {
    const { payload } = this.eventRecord(eventId);
    const signature = signWebhookPayload({
      payload,
      secret: this.options.secret,
      ...(timestamp === undefined ? {} : { timestamp }),
    });
    return { payload, signature };
  }

  events(): StripeEvent[] {
    return [...this.stored.values()].map(({ event }) => structuredClone(event));
  }

  event(eventId: string): StripeEvent {
    return structuredClone(this.eventRecord(eventId).event);
  }

  pending(): StripeEvent[] {
    return this.held.map((id) => structuredClone(this.eventRecord(id).event));
  }

  deliveries(): DeliveryAttempt[] {
    return this.attempts.map((attempt) => ({ ...attempt }));
  }

  /** Resolves once no delivery is running or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running]);
    }
  }

  /** Cancels retries and aborts deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    this.timers.clear();
    for (const controller of this.controllers) controller.abort();
    await this.idle();
  }

  private eventRecord(eventId: string): StoredEvent {
    const stored = this.stored.get(eventId);
    if (stored === undefined) throw new Error(`No such event: ${eventId}`);
    return stored;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise)).catch(() => {});
    return promise;
  }

  private async run(eventId: string): Promise<DeliveryResult> {
    const { event, payload } = this.eventRecord(eventId);
    const url = this.url;
    if (url === undefined) throw new Error("No webhook URL configured: call setWebhookUrl(url) first");
    const { attempts: maxAttempts, initialDelayMs, maxDelayMs } = this.options.retry;
    const attempts: DeliveryAttempt[] = [];
    for (let attempt = 1; attempt <= maxAttempts && !this.stopped; attempt++) {
      if (attempt > 1) {
        await this.sleep(Math.min(initialDelayMs * 2 ** (attempt - 2), maxDelayMs));
        if (this.stopped) break;
      }
      const result = await this.attempt(event, payload, url, attempt);
      this.attempts.push(result);
      attempts.push(result);
      this.options.log(
        `webhook ${event.type} ${event.id} attempt ${attempt} -> ${result.status ?? result.error} (${result.durationMs} ms)`,
      );
      if (result.ok) return { eventId, ok: true, attempts };
    }
    return { eventId, ok: false, attempts };
  }

  private async attempt(event: StripeEvent, payload: string, url: string, attempt: number): Promise<DeliveryAttempt> {
    const at = Date.now();
    const started = performance.now();
    const controller = new AbortController();
    this.controllers.add(controller);
    const timeout = setTimeout(
      () => controller.abort(new Error(`timed out after ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs,
    );
    const base = { eventId: event.id, eventType: event.type, attempt, url, at };
    try {
      // Each attempt is signed afresh with the wall-clock time, as Stripe does
      // (not the emulator's clock, which tests may move ahead to expire sessions).
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signWebhookPayload({ payload, secret: this.options.secret }),
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          accept: "*/*; q=0.5, application/xml",
          "cache-control": "no-cache",
        },
        body: payload,
        signal: controller.signal,
        redirect: "manual",
      });
      const responseBody = (await response.text()).slice(0, 1000);
      const ok = response.status >= 200 && response.status < 300;
      return {
        ...base,
        durationMs: Math.round(performance.now() - started),
        status: response.status,
        ok,
        error: ok ? null : `HTTP ${response.status}`,
        responseBody,
      };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
      const reason =
        controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : "";
      return {
        ...base,
        durationMs: Math.round(performance.now() - started),
        status: null,
        ok: false,
        error: reason || (error instanceof Error ? `${error.message}${cause}` : String(error)),
        responseBody: "",
      };
    } finally {
      clearTimeout(timeout);
      this.controllers.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }
}
