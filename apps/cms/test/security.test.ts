import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { createInventoryHold, createPrismaHoldStore, createPrismaInventoryStore } from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CMS_DIR,
  createTestOperator,
  signIn,
  startCmsForTest,
  type CmsClient,
  type TestCms,
} from "./support/cms-test-server.ts";

/**
 * Walks every page and API route of the built CMS as an anonymous visitor,
 * a viewer, and an operator of another shop, and checks each is refused.
 */

const APP_DIR = path.join(CMS_DIR, "src", "app");
const PASSWORD = "correct horse battery staple";
const SAMPLE_PARAMS: Record<string, string> = { shop: "shop-a", holdId: "00000000-0000-4000-8000-000000000000" };
const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"];
/** Writes that also serve a read-only mode (import preview is open to viewers) are tried in their writing mode. */
const WRITING_QUERY: Record<string, string> = { "/api/shops/shop-a/import": "?format=csv&mode=apply" };

interface Route {
  url: string;
  kind: "page" | "api";
  methods: string[];
}

function walk(dir: string, segments: string[] = []): Route[] {
  const routes: Route[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (entry.startsWith("_")) continue; // private folders are not routes
      routes.push(...walk(full, [...segments, entry]));
      continue;
    }
    const urlSegments = segments
      .filter((segment) => !(segment.startsWith("(") && segment.endsWith(")")))
      .map((segment) => {
        const param = /^\[(\w+)\]$/.exec(segment)?.[1];
        return param ? (SAMPLE_PARAMS[param] ?? "sample") : segment;
      });
    const url = `/${urlSegments.join("/")}`;
    if (entry === "page.tsx") routes.push({ url, kind: "page", methods: ["GET"] });
    if (entry === "route.ts") {
      const source = readFileSync(full, "utf8");
      const methods = [
        ...source.matchAll(/export\s+(?:const|async function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g),
      ].map((m) => m[1]!);
      routes.push({ url, kind: "api", methods });
    }
  }
  return routes;
}

const ROUTES = walk(APP_DIR);

/** Routes that answer visitors without a session, each with what it must answer instead of data. */
const PUBLIC: Record<string, number[]> = {
  "GET /login": [200],
  "GET /": [307, 308], // redirects to /cms, which redirects to /login
  "POST /api/auth/sign-in": [400, 403], // no credentials
  "GET /api/health": [200], // uptime checks; reveals no data
  "POST /api/stripe/webhook": [400], // unsigned
  "GET /api/cron/release-expired-holds": [401],
  "POST /api/inventory/validate": [401],
};

let db: TestDatabase;
let cms: TestCms;
let viewer: CmsClient;
let otherShopEditor: CmsClient;
let editor: CmsClient;

beforeAll(async () => {
  db = await createTestDatabase();
  const store = createPrismaInventoryStore(db);
  for (const shop of ["shop-a", "shop-b"]) {
    await store.upsertItems(shop, [{ sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 5 }], {
      reason: "import",
      actor: "test",
    });
  }
  await createTestOperator({
    databaseUrl: db.url,
    email: "viewer@a.test",
    password: PASSWORD,
    role: "viewer",
    shops: ["shop-a"],
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@a.test",
    password: PASSWORD,
    role: "editor",
    shops: ["shop-a"],
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@b.test",
    password: PASSWORD,
    role: "editor",
    shops: ["shop-b"],
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "throttled@a.test",
    password: PASSWORD,
    role: "editor",
    shops: ["shop-a"],
  });
  await createTestOperator({
    databaseUrl: db.url,
    email: "leaver@a.test",
    password: PASSWORD,
    role: "viewer",
    shops: ["shop-a"],
  });
  cms = await startCmsForTest({ databaseUrl: db.url, env: { CMS_CLIENT_IP_HEADER: "x-real-ip" } });
  viewer = await signIn(cms, "viewer@a.test", PASSWORD);
  editor = await signIn(cms, "editor@a.test", PASSWORD);
  otherShopEditor = await signIn(cms, "editor@b.test", PASSWORD);
});

afterAll(async () => {
  await cms?.stop();
  await db?.destroy();
});

async function stockOfShopA(): Promise<number> {
  const item = await createPrismaInventoryStore(db).getItem("shop-a", { sku: "TEE", variantKey: "size=m" });
  return item?.quantity ?? -1;
}

describe("CMS access control", () => {
  it("finds the routes it walks", () => {
    const urls = ROUTES.map((route) => `${route.kind} ${route.url}`);
    expect(urls).toContain("page /cms/shop/shop-a/data/inventory");
    expect(urls).toContain("api /api/shops/shop-a/inventory");
    expect(ROUTES.length).toBeGreaterThan(12);
  });

  it("refuses every page and API route to an anonymous visitor", async () => {
    const seen: string[] = [];
    for (const route of ROUTES) {
      for (const method of route.methods) {
        const key = `${method} ${route.url}`;
        const response = await fetch(`${cms.url}${route.url}`, {
          method,
          redirect: "manual",
          headers: { origin: cms.url, "content-type": "application/json" },
          ...(method === "GET" ? {} : { body: "{}" }),
        });
        await response.body?.cancel();
        seen.push(key);
        if (PUBLIC[key]) {
          expect(PUBLIC[key], `${key} answered ${response.status}`).toContain(response.status);
        } else if (route.kind === "page") {
          expect([307, 308], `${key} answered ${response.status}`).toContain(response.status);
          expect(response.headers.get("location"), key).toMatch(/^(\/|http:\/\/[^/]+\/)login/);
        } else {
          expect(response.status, `${key} answered ${response.status}`).toBe(401);
        }
      }
    }
    expect(seen.length).toBeGreaterThan(15);
    expect(await stockOfShopA()).toBe(5);
  });

  it("refuses a viewer every write", async () => {
    const writes = ROUTES.filter((route) => route.kind === "api" && route.url.startsWith("/api/shops/"));
    let checked = 0;
    for (const route of writes) {
      for (const method of route.methods.filter((m) => WRITE_METHODS.includes(m))) {
        const url = `${route.url}${WRITING_QUERY[route.url] ?? ""}`;
        const response = await viewer.request(url, {
          method,
          body: "sku,quantity\nTEE,1\n",
          headers: { "content-type": "text/csv" },
        });
        expect(response.status, `${method} ${route.url} as viewer`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(await stockOfShopA()).toBe(5);
  });

  it("refuses another shop's operator every page and API route of this shop", async () => {
    const shopRoutes = ROUTES.filter((route) => route.url.includes("/shop-a") || route.url.includes("/shops/shop-a"));
    expect(shopRoutes.length).toBeGreaterThan(4);
    for (const route of shopRoutes) {
      // The machine API (/api/v1) takes an integration's bearer token, never a session: any operator's is a 401.
      const machine = route.url.startsWith("/api/v1/");
      for (const method of route.methods) {
        const response = await otherShopEditor.request(route.url, {
          method,
          ...(method === "GET" ? {} : { body: "{}", headers: { "content-type": "application/json" } }),
        });
        await response.body?.cancel();
        expect(response.status, `${method} ${route.url} as shop-b's editor`).toBe(machine ? 401 : 403);
      }
    }
    expect(shopRoutes.filter((route) => route.url.startsWith("/api/v1/")).length).toBeGreaterThan(0);
    expect(await stockOfShopA()).toBe(5);
  });

  it("refuses writes without the CSRF token or from another origin", async () => {
    const noToken = await editor.request("/api/auth/sign-out", { method: "POST", csrf: false });
    expect(noToken.status).toBe(403);
    const foreign = await editor.request("/api/auth/sign-out", { method: "POST", origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const noOrigin = await editor.request("/api/auth/sign-out", { method: "POST", origin: null });
    expect(noOrigin.status).toBe(403);
    // The session survived all three.
    const page = await editor.request("/cms", { method: "GET" });
    expect(page.status).toBe(200);
  });

  it("refuses a tampered session cookie", async () => {
    const [name, value] = editor.cookie.split("=");
    const tampered = `${name}=${value!.slice(0, -4)}AAAA`;
    const response = await fetch(`${cms.url}/api/shops/shop-a/inventory`, { headers: { cookie: tampered } });
    expect(response.status).toBe(401);
  });

  it("refuses a login posted from another site", async () => {
    const response = await fetch(`${cms.url}/api/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ email: "editor@a.test", password: PASSWORD }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });
});

describe("CMS sign-in", () => {
  it("sets an httpOnly, SameSite session cookie", async () => {
    const response = await fetch(`${cms.url}/api/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: cms.url },
      body: JSON.stringify({ email: "Editor@A.test", password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^acme_cms_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it("answers 400 with field errors for a malformed sign-in and 401 for wrong credentials", async () => {
    const post = (body: string) =>
      fetch(`${cms.url}/api/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: cms.url },
        body,
      });
    const malformed = await post(JSON.stringify({ email: "", password: "" }));
    expect(malformed.status).toBe(400);
    expect(
      ((await malformed.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort(),
    ).toEqual(["email", "password"]);
    expect((await post("not json")).status).toBe(400);
    expect((await post(JSON.stringify({ email: "x".repeat(5000), password: "y" }))).status).toBe(413);
    const wrong = await post(JSON.stringify({ email: "viewer@a.test", password: "wrong password here" }));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe("Email or password is incorrect.");
  });

  it("slows down repeated failures with 429 and Retry-After, even for the right password", async () => {
    const attempt = (password: string) =>
      fetch(`${cms.url}/api/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: cms.url },
        body: JSON.stringify({ email: "throttled@a.test", password }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt("not the password")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    const blocked = await attempt(PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("throttles a client address trying many emails, by the configured header only", async () => {
    const attempt = (email: string, headers: Record<string, string>) =>
      fetch(`${cms.url}/api/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: cms.url, ...headers },
        body: JSON.stringify({ email, password: "sprayed password" }),
      });
    // A forged X-Forwarded-For changes nothing: only x-real-ip (set by the proxy) names the client.
    for (let i = 0; i < 21; i++) {
      const response = await attempt(`spray${i}@a.test`, {
        "x-real-ip": "203.0.113.50",
        "x-forwarded-for": `10.0.0.${i}`,
      });
      expect(response.status).toBe(401);
    }
    expect((await attempt("spray-next@a.test", { "x-real-ip": "203.0.113.50" })).status).toBe(429);
    expect((await attempt("spray-next@a.test", { "x-real-ip": "203.0.113.51" })).status).toBe(401);
  });

  it("sends a signed-in operator only to paths on this site", async () => {
    const session = await signIn(cms, "viewer@a.test", PASSWORD);
    for (const next of ["//evil.example", "/\t/evil.example", "https://evil.example"]) {
      const response = await fetch(`${cms.url}/login?next=${encodeURIComponent(next)}`, {
        headers: { cookie: session.cookie },
        redirect: "manual",
      });
      expect([303, 307, 308], next).toContain(response.status);
      expect(response.headers.get("location"), next).toMatch(/^(http:\/\/127\.0\.0\.1:\d+)?\/cms$/);
    }
  });

  it("signs out: the cookie is cleared and no copy of it, on any device, opens anything again", async () => {
    const here = await signIn(cms, "leaver@a.test", PASSWORD);
    const elsewhere = await signIn(cms, "leaver@a.test", PASSWORD);
    expect((await here.request("/cms", { method: "GET" })).status).toBe(200);
    const out = await here.request("/api/auth/sign-out", { method: "POST" });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/^acme_cms_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
    for (const copy of [here, elsewhere]) {
      const page = await fetch(`${cms.url}/cms`, { headers: { cookie: copy.cookie }, redirect: "manual" });
      expect([307, 308]).toContain(page.status);
      expect((await fetch(`${cms.url}/api/shops/shop-a/inventory`, { headers: { cookie: copy.cookie } })).status).toBe(
        401,
      );
    }
    // Signing in again works at once.
    expect((await (await signIn(cms, "leaver@a.test", PASSWORD)).request("/cms", { method: "GET" })).status).toBe(200);
  });
});

describe("CMS machine endpoints", () => {
  it("reaps with the cron secret and reports per-shop counts", async () => {
    expect((await fetch(`${cms.url}/api/cron/release-expired-holds`)).status).toBe(401);
    expect(
      (await fetch(`${cms.url}/api/cron/release-expired-holds`, { headers: { authorization: "Bearer wrong" } })).status,
    ).toBe(401);
    // One hold whose time is up in shop-a.
    const { holdId } = await createInventoryHold({
      shopId: "shop-a",
      requests: [{ sku: "TEE", variantKey: "size=m", quantity: 2 }],
      ttlSeconds: 600,
      store: createPrismaHoldStore(db),
    });
    await db.pool.query(`UPDATE "InventoryHold" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [holdId]);
    const response = await fetch(`${cms.url}/api/cron/release-expired-holds`, {
      headers: { authorization: `Bearer ${cms.secrets.cron}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { released: number; shops: Array<{ shopId: string; released: number }> };
    expect(body.released).toBe(1);
    expect(body.shops).toContainEqual({ shopId: "shop-a", released: 1 });
    const item = await createPrismaInventoryStore(db).getItem("shop-a", { sku: "TEE", variantKey: "size=m" });
    expect(item).toMatchObject({ quantity: 5, reserved: 0 });
  });

  it("answers the inventory authority API", async () => {
    const validate = (body: unknown, token = cms.secrets.authority) =>
      fetch(`${cms.url}/api/inventory/validate`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect(
      (await validate({ shopId: "shop-a", items: [{ sku: "TEE", variantKey: "size=m", quantity: 5 }] })).status,
    ).toBe(200);
    const short = await validate({ shopId: "shop-a", items: [{ sku: "TEE", variantKey: "size=m", quantity: 6 }] });
    expect(short.status).toBe(409);
    expect(await short.json()).toMatchObject({ items: [{ sku: "TEE", requested: 6, available: 5 }] });
    expect((await validate({ shopId: "shop-a", items: [{ sku: "TEE", quantity: -1 }] })).status).toBe(400);
    expect((await validate({ shopId: "shop-a", items: [] }, "wrong")).status).toBe(401);
  });

  it("reports health", async () => {
    const response = await fetch(`${cms.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: "reachable", migrations: "current" });
  });

  it("refuses unsigned webhooks without changing anything", async () => {
    const response = await fetch(`${cms.url}/api/stripe/webhook`, {
      method: "POST",
      body: JSON.stringify({ id: "evt_1", type: "checkout.session.completed" }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe("validation_failed");
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ProcessedWebhookEvent"`);
    expect(rows[0]!.n).toBe(0);
    expect(await stockOfShopA()).toBe(5);
  });
});

describe("logs", () => {
  it("never contain a password, token, secret or session cookie", async () => {
    // Provoke the error paths too: a dead-end webhook, bad tokens, a failed sign-in with a password.
    await fetch(`${cms.url}/api/inventory/validate`, {
      method: "POST",
      headers: { authorization: `Bearer ${cms.secrets.authority}x` },
      body: "{",
    });
    await fetch(`${cms.url}/api/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: cms.url },
      body: JSON.stringify({ email: "viewer@a.test", password: "leaked-password-canary" }),
    });
    const output = cms.output();
    expect(output.length).toBeGreaterThan(0);
    for (const secret of [
      PASSWORD,
      "leaked-password-canary",
      ...Object.values(cms.secrets),
      editor.csrfToken,
      editor.cookie.split("=")[1]!,
    ]) {
      expect(output.includes(secret), `a secret appeared in the CMS's output`).toBe(false);
    }
  });
});

describe("security headers", () => {
  it("are on pages, API responses and not-found answers alike", async () => {
    for (const url of ["/login", "/api/health", "/api/shops/shop-a/inventory", "/no-such-page"]) {
      const response = await fetch(`${cms.url}${url}`, { redirect: "manual" });
      await response.body?.cancel();
      expect(response.headers.get("content-security-policy"), url).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-frame-options"), url).toBe("DENY");
      expect(response.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), url).toBe("strict-origin-when-cross-origin");
      expect(response.headers.get("strict-transport-security"), url).toContain("max-age=");
      expect(response.headers.get("x-powered-by"), url).toBeNull();
    }
  });
});
