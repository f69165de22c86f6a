import { serveFetchHandler, freePort, type ServedFetchHandler } from "@acme/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { isInventoryError } from "../errors/inventory-error.ts";
import { InventoryAuthorityClient } from "./inventory-authority-client.ts";

// The client against a real HTTP server on loopback, answering as the CMS would.

const servers: ServedFetchHandler[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
});

async function authority(handler: (request: Request, call: number) => Response | Promise<Response>) {
  let calls = 0;
  const seen: Request[] = [];
  const server = await serveFetchHandler(async (request) => {
    seen.push(request.clone());
    return handler(request, ++calls);
  });
  servers.push(server);
  return { url: `${server.url}/api/inventory`, calls: () => calls, seen };
}

const items = [{ sku: "TEE", variantKey: "size=m", quantity: 2 }];

describe("InventoryAuthorityClient", () => {
  it("sends the cart with the bearer token and reads 200 as available", async () => {
    const server = await authority(() => Response.json({ ok: true }));
    const client = new InventoryAuthorityClient({ baseUrl: server.url, shopId: "shop-a", token: "secret-token" });
    expect(await client.validate(items)).toEqual({ ok: true });
    const [request] = server.seen;
    expect(new URL(request!.url).pathname).toBe("/api/inventory/validate");
    expect(request!.headers.get("authorization")).toBe("Bearer secret-token");
    expect(await request!.json()).toEqual({ shopId: "shop-a", items });
  });

  it("does not take a 200 that is not the authority's answer as available", async () => {
    const server = await authority(
      () =>
        new Response("<html>Sign in to the Wi-Fi</html>", { status: 200, headers: { "content-type": "text/html" } }),
    );
    const client = new InventoryAuthorityClient({ baseUrl: server.url, shopId: "shop-a", token: "t" });
    await expect(client.validate(items)).rejects.toMatchObject({ code: "unavailable" });
    const wrongShape = await authority(() => Response.json({ ok: "yes" }));
    await expect(
      new InventoryAuthorityClient({ baseUrl: wrongShape.url, shopId: "shop-a", token: "t" }).validate(items),
    ).rejects.toMatchObject({ code: "unavailable" });
  });

  it("returns the short items on 409", async () => {
    const short = [{ sku: "TEE", variantKey: "size=m", requested: 2, available: 1 }];
    const server = await authority(() =>
      Response.json({ code: "inventory_insufficient", items: short }, { status: 409 }),
    );
    const client = new InventoryAuthorityClient({ baseUrl: server.url, shopId: "shop-a", token: "t" });
    expect(await client.validate(items)).toEqual({ ok: false, insufficient: short });
  });

  it("retries 5xx with backoff and succeeds when the authority recovers", async () => {
    const server = await authority((_request, call) =>
      call < 3 ? new Response("busy", { status: 503 }) : Response.json({ ok: true }),
    );
    const client = new InventoryAuthorityClient({
      baseUrl: server.url,
      shopId: "shop-a",
      token: "t",
      attempts: 3,
      backoffMs: 5,
    });
    expect(await client.validate(items)).toEqual({ ok: true });
    expect(server.calls()).toBe(3);
  });

  it("fails closed with unavailable: persistent 5xx, a timeout, a refused connection, a bad token", async () => {
    const down = await authority(() => new Response("down", { status: 500 }));
    const slow = await authority(
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(Response.json({ ok: true })), 500)),
    );
    const refused = `http://127.0.0.1:${await freePort()}/api/inventory`;
    const unauthorized = await authority(() => Response.json({ code: "unauthorized" }, { status: 401 }));
    const cases = [
      { url: down.url, reason: /answered 500/ },
      { url: slow.url, reason: /timed out after 100 ms/ },
      { url: refused, reason: /unreachable/ },
      { url: unauthorized.url, reason: /answered 401/ },
    ];
    for (const { url, reason } of cases) {
      const client = new InventoryAuthorityClient({
        baseUrl: url,
        shopId: "shop-a",
        token: "t",
        attempts: 2,
        backoffMs: 5,
        timeoutMs: 100,
      });
      const error = await client.validate(items).catch((caught: unknown) => caught);
      expect(isInventoryError(error, "unavailable"), String(error)).toBe(true);
      expect((error as Error).message).toMatch(reason);
    }
    expect(down.calls()).toBe(2);
    expect(unauthorized.calls()).toBe(1);
  });

  it("refuses to start without a token", () => {
    expect(() => new InventoryAuthorityClient({ baseUrl: "http://x", shopId: "shop-a", token: "" })).toThrow(/token/);
  });
});
