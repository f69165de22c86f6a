import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createDatabase, createOperator, type Operator, type OperatorRole } from "@acme/platform-core";
import { startNextApp, type RunningNextApp } from "@acme/testkit";

export const CMS_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface TestCms extends RunningNextApp {
  secrets: { cron: string; authority: string; webhook: string; metrics: string; session: string };
}

/** Serves the CMS's production build against `databaseUrl`, with fresh secrets. */
export async function startCmsForTest(options: {
  databaseUrl: string;
  env?: Record<string, string | undefined>;
}): Promise<TestCms> {
  const secrets = {
    cron: `cron-${randomBytes(12).toString("hex")}`,
    authority: `authority-${randomBytes(12).toString("hex")}`,
    webhook: `whsec_${randomBytes(12).toString("hex")}`,
    metrics: `metrics-${randomBytes(12).toString("hex")}`,
    session: randomBytes(32).toString("hex"),
  };
  const app = await startNextApp({
    appDir: CMS_DIR,
    env: {
      DATABASE_URL: options.databaseUrl,
      INVENTORY_BACKEND: "prisma",
      CMS_SESSION_SECRET: secrets.session,
      CRON_SECRET: secrets.cron,
      INVENTORY_AUTHORITY_TOKEN: secrets.authority,
      STRIPE_WEBHOOK_SECRET: secrets.webhook,
      METRICS_TOKEN: secrets.metrics,
      ...options.env,
    },
  });
  return Object.assign(app, { secrets });
}

/** Creates an operator directly in the database. */
export async function createTestOperator(options: {
  databaseUrl: string;
  email: string;
  password: string;
  role: OperatorRole;
  shops?: string[];
}): Promise<Operator> {
  const database = createDatabase({ url: options.databaseUrl, poolSize: 1 });
  try {
    return await createOperator({
      database,
      email: options.email,
      password: options.password,
      role: options.role,
      shops: options.shops ?? [],
    });
  } finally {
    await database.close();
  }
}

/** A signed-in HTTP client for API tests: keeps the session cookie and sends the CSRF token on writes. */
export interface CmsClient {
  request(path: string, init?: RequestInit & { csrf?: boolean; origin?: string | null }): Promise<Response>;
  csrfToken: string;
  cookie: string;
}

export async function signIn(cms: { url: string }, email: string, password: string): Promise<CmsClient> {
  const response = await fetch(`${cms.url}/api/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: cms.url },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200)
    throw new Error(`sign-in as ${email} failed: ${response.status} ${await response.text()}`);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  // The CSRF token is rendered into every page for the signed-in operator.
  const page = await (await fetch(`${cms.url}/cms`, { headers: { cookie } })).text();
  const csrfToken = /<meta name="csrf-token" content="([^"]+)"/.exec(page)?.[1];
  if (!csrfToken) throw new Error("no CSRF token on /cms after signing in");
  return {
    cookie,
    csrfToken,
    request(path, init = {}) {
      const { csrf = true, origin = cms.url, ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set("cookie", cookie);
      if (origin) headers.set("origin", origin);
      if (csrf) headers.set("x-csrf-token", csrfToken);
      return fetch(`${cms.url}${path}`, { ...rest, headers, redirect: "manual" });
    },
  };
}
