import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyStockEventSignature } from "../../src/stock-events/stock-event-webhook.ts";
import type { StockEventBatch } from "../../src/stock-events/stock-event-webhook.ts";

/** How the subscriber answers: 200, 500, or never (until it is closed). */
export type SubscriberMode = "ok" | "fail" | "stall";

export interface ReceivedBatch {
  deliveryId: string | null;
  signed: boolean;
  userAgent: string | undefined;
  contentType: string | undefined;
  batch: StockEventBatch;
  /** What the subscriber answered (null: it never did). */
  answered: number | null;
  startedAt: number;
  endedAt: number | null;
}

/**
 * A real webhook receiver on loopback (node:http): checks each request's
 * signature on the raw body, keeps every batch it received, and answers as
 * `mode` says. `close()` then `open()` makes it refuse connections on the same
 * port for a while.
 */
export class StockEventSubscriber {
  received: ReceivedBatch[] = [];
  mode: SubscriberMode = "ok";
  /** Delay before answering 200 (ms), to make deliveries overlap if anything let them. */
  delayMs = 0;
  port = 0;
  private server: Server | undefined;
  private stalled = new Set<ServerResponse>();

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/stock`;
  }

  async open(): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const response of this.stalled) response.destroy();
    this.stalled.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const entry: ReceivedBatch = {
      deliveryId: (request.headers["x-acme-delivery"] as string | undefined) ?? null,
      signed: verifyStockEventSignature({
        body,
        header: request.headers["x-acme-signature"] as string | undefined,
        secret: this.secret,
      }),
      userAgent: request.headers["user-agent"],
      contentType: request.headers["content-type"],
      batch: JSON.parse(body) as StockEventBatch,
      answered: null,
      startedAt: performance.now(),
      endedAt: null,
    };
    this.received.push(entry);
    const mode = this.mode;
    if (mode === "stall") {
      this.stalled.add(response);
      return;
    }
    if (mode === "ok" && this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    entry.answered = mode === "ok" ? 200 : 500;
    entry.endedAt = performance.now();
    response.writeHead(entry.answered, { "content-type": "text/plain" });
    response.end(mode === "ok" ? "" : "subscriber down for maintenance");
  }

  /** Every sequence number received, in arrival order (duplicates kept). */
  sequences(shopId?: string): number[] {
    return this.received
      .filter((entry) => shopId === undefined || entry.batch.shopId === shopId)
      .flatMap((entry) => entry.batch.events.map((event) => event.sequence));
  }
}
