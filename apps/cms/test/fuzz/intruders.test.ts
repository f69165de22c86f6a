import { createHmac } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createInventoryHold, createPrismaHoldStore, createPrismaInventoryStore } from "@acme/platform-core";
import { createTestDatabase, type TestDatabase } from "@acme/platform-core/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestOperator,
  signIn,
  startCmsForTest,
  type CmsClient,
  type TestCms,
} from "../support/cms-test-server.ts";
import { stateSnapshot } from "./fuzz-support.ts";

// What test/security.test.ts does not cover yet: replayed webhook signatures
// (timestamp tolerance), that every secret is compared in constant time
// (statically, and by near-miss secrets behaving exactly like wrong ones),
// and hostile shop segments in page URLs.

const REPO = fileURLToPath(new URL("../../../..", import.meta.url));
const PASSWORD = "correct horse battery staple";
const SHOP = "shop-a";

let db: TestDatabase;
let cms: TestCms;
let editor: CmsClient;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 3 });
  await createPrismaInventoryStore(db).upsertItems(
    SHOP,
    [{ sku: "TEE", productId: "tee", variantAttributes: { size: "M" }, quantity: 5 }],
    { reason: "import", actor: "test" },
  );
  await createTestOperator({
    databaseUrl: db.url,
    email: "editor@a.test",
    password: PASSWORD,
    role: "editor",
    shops: [SHOP],
  });
  cms = await startCmsForTest({ databaseUrl: db.url });
  editor = await signIn(cms, "editor@a.test", PASSWORD);
});

afterAll(async () => {
  await cms?.stop();
  await db?.destroy();
});

function paidEvent(holdId: string, id: string): string {
  return JSON.stringify({
    id,
    object: "event",
    type: "checkout.session.completed",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `cs_${id}`,
        object: "checkout.session",
        payment_status: "paid",
        status: "complete",
        metadata: { shop_id: SHOP, inventory_reservation_id: holdId },
      },
    },
  });
}

const sign = (payload: string, timestamp: number, secret = cms.secrets.webhook) =>
  `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex")}`;
const deliver = (payload: string, signature: string) =>
  fetch(`${cms.url}/api/stripe/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": signature },
    body: payload,
  });

describe("webhook replay", () => {
  it("a correctly signed payment with a timestamp 10 minutes old is refused (400) and sells nothing; the same event signed now is accepted", async () => {
    const { holdId } = await createInventoryHold({
      shopId: SHOP,
      requests: [{ sku: "TEE", variantKey: "size=m", quantity: 2 }],
      ttlSeconds: 3600,
      store: createPrismaHoldStore(db),
    });
    const payload = paidEvent(holdId, "evt_replayed_payment");
    const now = Math.floor(Date.now() / 1000);
    const before = await stateSnapshot(db);
    for (const age of [600, 301 + 5]) {
      const stale = await deliver(payload, sign(payload, now - age));
      expect(stale.status, `signed ${age} s ago`).toBe(400);
      expect(((await stale.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe("stripe-signature");
    }
    // Several signatures, none of them current: still refused.
    const mixed = await deliver(payload, `${sign(payload, now - 600)},v1=${"0".repeat(64)}`);
    expect(mixed.status).toBe(400);
    expect(await stateSnapshot(db)).toEqual(before);

    const fresh = await deliver(payload, sign(payload, now));
    expect(fresh.status).toBe(200);
    const { rows } = await db.pool.query<{ status: string }>(`SELECT status FROM "InventoryHold" WHERE id = $1`, [
      holdId,
    ]);
    expect(rows[0]?.status).toBe("committed");
  });
});

describe("secrets are compared in constant time", () => {
  /** Production source of the apps and the library (tests, generated code and test doubles excluded). */
  function sourceFiles(): string[] {
    const roots = [path.join(REPO, "apps"), path.join(REPO, "packages", "platform-core", "src")];
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        if (["node_modules", ".next", "generated", "test", "test-results", "e2e"].includes(entry)) continue;
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.(ts|tsx)$/.test(entry) && !/\.(test|fuzz\.test)\.tsx?$/.test(entry) && !entry.endsWith(".d.ts"))
          files.push(full);
      }
    };
    for (const root of roots) walk(root);
    return files;
  }

  it("statically: no secret, token, signature or password is compared with ==, ===, != or !== (only secretsEqual / timingSafeEqual)", () => {
    const secretName = String.raw`[\w.$\]\[]*(?:secret|token|signature|password|csrf|hmac|digest|apiKey)[\w$]*`;
    const comparison = new RegExp(
      String.raw`${secretName}\s*[!=]==?(?!=)|[^=!<>][!=]==?\s*${secretName}|[!=]==?\s*\`[^\`]*\$\{\s*${secretName}`,
      "i",
    );
    // The detector itself, on lines it must and must not flag.
    for (const bad of [
      "if (token === operator.csrfToken) {",
      "return given == env.CRON_SECRET;",
      "if (header !== `Bearer ${secret}`)",
    ])
      expect(comparison.test(bad), bad).toBe(true);
    for (const fine of ["if (!secret) throw", "secretsEqual(token, operator.csrfToken)"])
      expect(comparison.test(fine), fine).toBe(false);
    // Comparing a secret's presence, type or length leaks nothing about its value.
    const harmless =
      /(?:===?|!==?)\s*(?:undefined|null|""|''|0)\b|typeof\s|\.length\s*[!=]==?|[!=]==?\s*[\w.]+\.length\b/;
    const offenders: string[] = [];
    const files = sourceFiles();
    for (const file of files) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, index) => {
          const code = line.replace(/\/\/.*$/, "");
          if (comparison.test(code) && !harmless.test(code))
            offenders.push(`${path.relative(REPO, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(files.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });

  it("statically: every place that checks a secret goes through the constant-time helpers", () => {
    const read = (file: string) => readFileSync(path.join(REPO, file), "utf8");
    // The one helper: SHA-256 of both sides, then timingSafeEqual.
    expect(read("packages/platform-core/src/http/bearer-auth.ts")).toMatch(/timingSafeEqual\(/);
    expect(read("packages/platform-core/src/http/bearer-auth.ts")).toMatch(/secretsEqual\(match\[1\]/);
    // CSRF token, alert webhook signature: secretsEqual. Stripe signatures: the SDK (its own constant-time compare).
    expect(read("apps/cms/src/lib/auth/guards.ts")).toMatch(/secretsEqual\(token, operator\.csrfToken\)/);
    expect(read("packages/platform-core/src/alerts/alert-webhook-signature.ts")).toMatch(/secretsEqual\(/);
    expect(read("packages/platform-core/src/webhooks/handle-stripe-webhook.ts")).toMatch(
      /Stripe\.webhooks\.constructEvent\(/,
    );
    // Every bearer-protected handler uses requireBearer.
    for (const handler of [
      "holds/handle-reaper-cron.ts",
      "alerts/handle-ops-alert-cron.ts",
      "metrics/handle-metrics-request.ts",
      "authority/handle-inventory-authority-request.ts",
    ]) {
      expect(read(`packages/platform-core/src/${handler}`), handler).toMatch(/requireBearer\(request,/);
    }
  });

  it("behaviourally: near misses of every secret (one character off, a prefix, an extension, other case) are refused exactly like a wrong one", async () => {
    const before = await stateSnapshot(db);
    const variants = (secret: string) => [
      "wrong",
      secret.slice(0, -1),
      `${secret}0`,
      `${secret.slice(0, -1)}${secret.endsWith("0") ? "1" : "0"}`,
      `${secret[0] === "a" ? "b" : "a"}${secret.slice(1)}`,
      secret.toUpperCase(),
      secret.slice(0, secret.length / 2),
    ];
    const bearer: Array<[string, string, RequestInit]> = [
      ["/api/cron/release-expired-holds", cms.secrets.cron, {}],
      ["/api/cron/ops-alerts", cms.secrets.cron, {}],
      ["/api/metrics", cms.secrets.metrics, {}],
      [
        "/api/inventory/validate",
        cms.secrets.authority,
        {
          method: "POST",
          body: JSON.stringify({ shopId: SHOP, items: [{ sku: "TEE", variantKey: "size=m", quantity: 1 }] }),
        },
      ],
    ];
    for (const [url, secret, init] of bearer) {
      const answers = new Set<string>();
      for (const guess of variants(secret)) {
        const response = await fetch(`${cms.url}${url}`, {
          ...init,
          headers: { authorization: `Bearer ${guess}`, "content-type": "application/json" },
        });
        answers.add(`${response.status} ${await response.text()}`);
      }
      // One answer for all of them: nothing tells a near miss from a wild guess.
      expect([...answers], url).toHaveLength(1);
      expect([...answers][0], url).toMatch(/^401 /);
      const right = await fetch(`${cms.url}${url}`, {
        ...init,
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      });
      expect(right.status, url).toBe(200);
      await right.body?.cancel();
    }
    // The CSRF token.
    const csrfAnswers = new Set<string>();
    for (const guess of variants(editor.csrfToken)) {
      const response = await editor.request(`/api/shops/${SHOP}/holds/nope/release`, {
        method: "POST",
        csrf: false,
        headers: { "x-csrf-token": guess },
      });
      csrfAnswers.add(`${response.status} ${await response.text()}`);
    }
    expect([...csrfAnswers]).toHaveLength(1);
    expect([...csrfAnswers][0]).toMatch(/^403 /);
    // The webhook secret: a signature made with a near-miss secret.
    const payload = paidEvent("00000000-0000-4000-8000-000000000000", "evt_near_miss");
    const webhookAnswers = new Set<string>();
    for (const guess of variants(cms.secrets.webhook)) {
      const response = await deliver(payload, sign(payload, Math.floor(Date.now() / 1000), guess));
      webhookAnswers.add(`${response.status} ${await response.text()}`);
    }
    expect([...webhookAnswers]).toHaveLength(1);
    expect([...webhookAnswers][0]).toMatch(/^400 /);
    expect(await stateSnapshot(db)).toEqual(before);
  });
});

describe("hostile shop segments in page URLs", () => {
  const SEGMENTS = ["%25", "100%25", "%25E0%25A4%25A", "shop-a%00", "..%2f..%2fetc", "x".repeat(300), "%3Cscript%3E"];
  const PAGES = [
    "",
    "/data/inventory",
    "/data/inventory/history?sku=TEE",
    "/data/import-export",
    "/holds",
    "/low-stock",
  ];

  it("anonymous visitors are sent to sign in; an operator gets 403 or 404; never a 5xx", async () => {
    for (const segment of SEGMENTS) {
      for (const page of PAGES) {
        const url = `/cms/shop/${segment}${page}`;
        const anonymous = await fetch(`${cms.url}${url}`, { redirect: "manual" });
        await anonymous.body?.cancel();
        expect([307, 308, 404], `anonymous ${url}: ${anonymous.status}`).toContain(anonymous.status);
        const operator = await editor.request(url, { method: "GET" });
        await operator.body?.cancel();
        expect([403, 404, 307, 308], `editor ${url}: ${operator.status}`).toContain(operator.status);
      }
      for (const [method, api] of [
        ["GET", "/inventory"],
        ["PATCH", "/inventory"],
        ["GET", "/export"],
        ["POST", "/import?format=csv&mode=apply"],
        ["POST", "/holds/x/release"],
      ] as const) {
        const response = await editor.request(`/api/shops/${segment}${api}`, {
          method,
          ...(method === "GET" ? {} : { body: "{}", headers: { "content-type": "application/json" } }),
        });
        await response.body?.cancel();
        expect([403, 404], `editor ${method} /api/shops/${segment}${api}: ${response.status}`).toContain(
          response.status,
        );
      }
    }
  });
});
