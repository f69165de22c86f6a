import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver got, with the body exactly as sent. */
export interface ReceivedWebhook {
  rawBody: string;
  headers: IncomingHttpHeaders;
  /** The `Stripe-Signature` header. */
  signature: string;
  /** The status the receiver answered with. */
  status: number;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves once `count` requests in total have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  /** Changes how later requests are answered. */
  respondWith(respond: (webhook: Omit<ReceivedWebhook, "status">) => number): void;
  stop(): Promise<void>;
}

/**
 * A plain node:http endpoint that records webhook posts, for tests that want
 * to see exactly what the emulator sends. By default it answers 200.
 */
export async function startWebhookReceiver({
  respond = () => 200,
  path = "/webhook",
}: {
  respond?: (webhook: Omit<ReceivedWebhook, "status">) => number;
  path?: string;
} = {}): Promise<WebhookReceiver> {
  let answer = respond;
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const webhook = {
        rawBody: Buffer.concat(chunks).toString("utf8"),
        headers: req.headers,
        signature: String(req.headers["stripe-signature"] ?? ""),
        at: Date.now(),
      };
      const status = answer(webhook);
      received.push({ ...webhook, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ received: status < 300 }));
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    waitFor(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(received.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Expected ${count} webhook(s) within ${timeoutMs} ms, got ${received.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    respondWith(next) {
      answer = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
