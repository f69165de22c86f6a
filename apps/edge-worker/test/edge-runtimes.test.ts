import { mkdtemp, readFile, rm } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrismaHoldStore, createPrismaInventoryStore } from "@acme/platform-core";
import { handleInventoryAuthorityRequest } from "@acme/platform-core/route-handlers";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { freePort, serveFetchHandler, type ServedFetchHandler } from "@acme/testkit";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEdgeWorker } from "../scripts/build-edge-worker.ts";
import {
  loadInEdgeRuntime,
  loadInMiniflare,
  type EdgeAnswer,
  type LoadedEdgeRuntime,
  type SettingsByName,
} from "./support/edge-runtimes.ts";

// The bundle `pnpm build` deploys (built here by the same function, into a
// temporary folder, so a fresh clone needs no build first) in Cloudflare's
// workerd and in Vercel's edge runtime, against a real authority on loopback
// (the library's handler over a real PostgreSQL) and a loopback checkout
// origin that records what the worker lets through.

const TOKEN = "edge-runtime-token-0123456789";
const SHOP = "edge-runtime-shop";

let db: TestDatabase;
let bundleDir: string;
let bundle: { text: string; metafile: Metafile };
const servers: ServedFetchHandler[] = [];
const forwarded: Array<{ path: string; body: string; buyer: string | null }> = [];
let releaseSlow!: () => void;
let settings: SettingsByName;

async function serve(handler: (request: Request) => Response | Promise<Response>): Promise<ServedFetchHandler> {
  const server = await serveFetchHandler(handler);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), "edge-worker-bundle-"));
  const built = await buildEdgeWorker({ outdir: bundleDir });
  bundle = { text: await readFile(built.file, "utf8"), metafile: built.metafile };

  db = await createTestDatabase({ poolSize: 3 });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [
      { sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 3 },
      { sku: "TEE", productId: "tee", variantAttributes: { size: "L" }, quantity: 0 },
      { sku: "MUG", productId: "mug", quantity: 5 },
    ],
    { reason: "import", actor: "test" },
  );
  const authority = await serve((request) =>
    handleInventoryAuthorityRequest(request, {
      token: TOKEN,
      store: createPrismaInventoryStore(db),
      holds: createPrismaHoldStore(db),
    }),
  );
  const origin = await serve(async (request) => {
    forwarded.push({
      path: new URL(request.url).pathname,
      body: await request.text(),
      buyer: request.headers.get("x-buyer"),
    });
    return Response.json({ url: "https://checkout.example/session" }, { headers: { "x-origin": "shop" } });
  });
  const broken = await serve(() => new Response("boom", { status: 500 }));
  const gate = new Promise<void>((resolve) => (releaseSlow = resolve));
  const slow = await serve(async () => {
    await gate;
    return Response.json({ ok: true });
  });

  const live = {
    INVENTORY_AUTHORITY_URL: `${authority.url}/api/inventory`,
    INVENTORY_AUTHORITY_TOKEN: TOKEN,
    SHOP_ID: SHOP,
    CHECKOUT_ORIGIN: origin.url,
    INVENTORY_AUTHORITY_ATTEMPTS: "2",
    INVENTORY_AUTHORITY_TIMEOUT_MS: "2000",
  };
  settings = {
    live,
    down: { ...live, INVENTORY_AUTHORITY_URL: `http://127.0.0.1:${await freePort()}/api/inventory` },
    broken: { ...live, INVENTORY_AUTHORITY_URL: `${broken.url}/api/inventory` },
    slow: {
      ...live,
      INVENTORY_AUTHORITY_URL: `${slow.url}/api/inventory`,
      INVENTORY_AUTHORITY_TIMEOUT_MS: "200",
      INVENTORY_AUTHORITY_ATTEMPTS: "1",
    },
    wrongToken: { ...live, INVENTORY_AUTHORITY_TOKEN: "wrong-token-0123456789" },
    unconfigured: {
      INVENTORY_AUTHORITY_TOKEN: TOKEN,
      SHOP_ID: "Not A Shop",
      CHECKOUT_ORIGIN: `${origin.url}/checkout`,
    },
  };
}, 60_000);

afterAll(async () => {
  releaseSlow?.();
  while (servers.length) await servers.pop()!.stop();
  await db?.destroy();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

/**
 * Package names in a metafile input path (`../../node_modules/.pnpm/x@1/node_modules/@scope/pkg/...` → `@scope/pkg`).
 */
function packageOf(input: string): string | undefined {
  const tail = input.split("node_modules/").at(-1)!;
  if (tail === input) return undefined;
  const [first, second] = tail.split("/");
  return first!.startsWith("@") ? `${first}/${second}` : first;
}

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

describe("the bundle", () => {
  it("has no Node built-in or server-only module in its graph (esbuild's metafile: every input and import)", () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toContain("src/worker.ts");
    // The only package bundled is zod; the library's own files come from its universal entry.
    expect([...new Set(inputs.map(packageOf).filter(Boolean))]).toEqual(["zod"]);
    const library = inputs.filter((input) => input.includes("packages/platform-core/"));
    expect(library).toContain("../../packages/platform-core/src/universal.ts");
    for (const input of library)
      expect(input, input).not.toMatch(
        /\/(db|generated|holds|checkout\/(?!checkout-expiry)|webhooks|alerts|metrics|operators|import-export)\//,
      );
    for (const [input, { imports }] of Object.entries(bundle.metafile.inputs)) {
      for (const imported of imports) {
        expect(imported.external, `${input} imports ${imported.path} as external`).not.toBe(true);
        expect(builtins.has(imported.path), `${input} imports ${imported.path}`).toBe(false);
        expect(imported.path, `${input} imports ${imported.path}`).not.toMatch(
          /(^|\/)(pg|@prisma|@node-rs|nodemailer|server-only|proper-lockfile|prom-client|stripe)(\/|$)/,
        );
      }
    }
    const outputs = Object.values(bundle.metafile.outputs);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.imports).toEqual([]);
  });

  it("has no require, node: specifier, import of a built-in or Node global in its text", () => {
    const text = bundle.text;
    expect(text.length).toBeGreaterThan(10_000);
    const forbidden: Array<[string, RegExp]> = [
      ["a require()", /\brequire\s*\(/],
      ["a node: specifier", /["'`]node:/],
      // Nothing is imported at all: no static import, no import(), no export-from.
      ["an import statement", /(^|[;}\s])import\s*(["'{*]|[\w$]+\s*(,|from\b))/],
      ["an import()", /\bimport\s*\(/],
      ["an export-from", /\bfrom\s*["']/],
      // Node's globals, which neither runtime has (readBytes once used Buffer.concat).
      [
        "a Node global",
        /(?<![\w$.])(Buffer\s*[.(]|new\s+Buffer\b|process\s*(\.|\?\.|\[)|setImmediate\s*\(|__dirname|__filename|global\s*\.)/,
      ],
      // And, by name, no built-in as a module specifier (zod says "url" and "util" as plain strings).
      ...builtinModules.map((name): [string, RegExp] => [
        `an import of the built-in "${name}"`,
        new RegExp(
          `(\\bfrom|\\bimport|\\brequire\\s*\\(|\\bimport\\s*\\()\\s*["'\`](node:)?${name.replace(/[/]/g, "\\/")}["'\`]`,
        ),
      ]),
    ];
    for (const [what, pattern] of forbidden) {
      const match = pattern.exec(text);
      // The place it was found, not the whole bundle.
      expect(match && text.slice(Math.max(0, match.index - 60), match.index + 60), `the bundle has ${what}`).toBeNull();
    }
    expect(text).toMatch(/export\s*\{\s*[\w$]+\s+as\s+default\s*\}/);
  });
});

const cart = { lines: [{ sku: "TEE", variantKey: "size=m", quantity: 1 }] };

const RUNTIMES = { "workerd (miniflare)": loadInMiniflare, "edge-runtime (Vercel)": loadInEdgeRuntime };

describe.each(Object.keys(RUNTIMES) as Array<keyof typeof RUNTIMES>)("the bundle in %s", (runtimeName) => {
  let loaded: LoadedEdgeRuntime;
  beforeAll(async () => {
    loaded = await RUNTIMES[runtimeName](bundle.text, settings);
  }, 30_000);
  afterAll(() => loaded?.stop());
  const json = (answer: EdgeAnswer) => JSON.parse(answer.body) as Record<string, unknown>;
  const post = (settings: string, body: unknown, headers?: Record<string, string>) =>
    loaded.fetch(settings, {
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...(headers ? { headers } : {}),
    });

  async function expectRefused(settings: string, reason: RegExp) {
    const before = forwarded.length;
    const answer = await post(settings, cart);
    expect(answer.status, answer.body).toBe(503);
    expect(answer.headers.get("retry-after")).toBeTruthy();
    const body = json(answer);
    expect(body.code).toBe("unavailable");
    expect(body.message).toMatch(reason);
    expect(forwarded.length).toBe(before);
  }

  it("forwards an available cart to the checkout origin, each line by its canonical variant key, and returns its answer", async () => {
    const before = forwarded.length;
    const answer = await post(
      "live",
      {
        lines: [
          { sku: "TEE", variantAttributes: { Size: " M " }, quantity: 2 },
          { sku: "MUG", quantity: 1 },
        ],
        idempotencyKey: "cart-12345678",
      },
      { "x-buyer": "b-1" },
    );
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers.get("x-origin")).toBe("shop");
    expect(json(answer)).toEqual({ url: "https://checkout.example/session" });
    expect(forwarded.length).toBe(before + 1);
    const sent = forwarded.at(-1)!;
    expect(sent.path).toBe("/api/checkout-session");
    expect(sent.buyer).toBe("b-1");
    expect(JSON.parse(sent.body)).toEqual({
      lines: [
        { sku: "TEE", variantKey: "size=m", quantity: 2 },
        { sku: "MUG", variantKey: "", quantity: 1 },
      ],
      idempotencyKey: "cart-12345678",
    });
  });

  it("refuses a short cart with 409 and the short items, forwarding nothing", async () => {
    const before = forwarded.length;
    const answer = await post("live", {
      lines: [
        { sku: "TEE", variantKey: "size=m", quantity: 4 },
        { sku: "TEE", variantAttributes: { size: "L" }, quantity: 1 },
      ],
    });
    expect(answer.status, answer.body).toBe(409);
    const body = json(answer) as { code: string; items: unknown[] };
    expect(body.code).toBe("inventory_insufficient");
    expect(body.items).toHaveLength(2);
    expect(body.items).toEqual(
      expect.arrayContaining([
        { sku: "TEE", variantKey: "size=m", requested: 4, available: 3 },
        { sku: "TEE", variantKey: "size=l", requested: 1, available: 0 },
      ]),
    );
    expect(forwarded.length).toBe(before);
  });

  it("answers 400 naming the field for a bad body, without asking the authority", async () => {
    // `down` has no authority at all: a 400 proves the worker refused the body itself.
    const bad = await post("down", { lines: [{ sku: "", quantity: 0 }] });
    expect(bad.status, bad.body).toBe(400);
    const body = json(bad) as { code: string; errors: Array<{ field: string }> };
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((error) => error.field).sort()).toEqual(["lines.0.quantity", "lines.0.sku"]);
    const notJson = await post("down", "{nope");
    expect(notJson.status).toBe(400);
    expect((json(notJson) as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toEqual([
      "body",
    ]);
  });

  it("fails closed with 503 when the authority is down", () => expectRefused("down", /unreachable/));
  it("fails closed with 503 when the authority answers 500", () => expectRefused("broken", /answered 500/));
  it("fails closed with 503 when the authority times out", () => expectRefused("slow", /timed out after 200 ms/));
  it("fails closed with 503 when the authority refuses the token, never passing the cart", () =>
    expectRefused("wrongToken", /answered 401/));

  it("answers 503 naming each missing or malformed setting, never a crash", async () => {
    const before = forwarded.length;
    const answer = await post("unconfigured", cart);
    expect(answer.status, answer.body).toBe(503);
    const body = json(answer) as { code: string; message: string; errors: Array<{ field: string; message: string }> };
    expect(body.code).toBe("unavailable");
    expect(body.errors.map((error) => error.field)).toEqual(["INVENTORY_AUTHORITY_URL", "SHOP_ID", "CHECKOUT_ORIGIN"]);
    expect(body.message).toMatch(/INVENTORY_AUTHORITY_URL is not set/);
    expect(body.message).not.toContain(TOKEN);
    // Every request, not only the first.
    expect((await post("unconfigured", cart)).status).toBe(503);
    expect(forwarded.length).toBe(before);
  });
});
