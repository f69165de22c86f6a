import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface ServedFetchHandler {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function toRequest(message: IncomingMessage, base: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = message.method !== "GET" && message.method !== "HEAD";
  return new Request(new URL(message.url ?? "/", base), {
    method: message.method ?? "GET",
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

/** Serves a Web-standard fetch handler (`Request` in, `Response` out) on loopback, as a framework route would. */
export async function serveFetchHandler(
  handler: (request: Request) => Promise<Response> | Response,
): Promise<ServedFetchHandler> {
  let base = "http://127.0.0.1";
  async function answer(message: IncomingMessage, reply: ServerResponse): Promise<void> {
    try {
      const response = await handler(await toRequest(message, base));
      reply.writeHead(response.status, Object.fromEntries(response.headers));
      reply.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      reply.writeHead(500, { "content-type": "text/plain" });
      reply.end(error instanceof Error ? error.message : String(error));
    }
  }
  // Node does not wait for a listener's promise; answer() replies to every request itself, failures included.
  const server = createServer((message, reply) => {
    void answer(message, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
