import { EdgeRuntime } from "edge-runtime";
import { transform } from "esbuild";
import { Miniflare } from "miniflare";

/** One request's answer, read inside the test (the runtimes' own Response classes differ from Node's). */
export interface EdgeAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** A request to the worker's POST /checkout. */
export interface EdgeRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The built bundle loaded in one edge runtime, once per named set of settings. */
export interface LoadedEdgeRuntime {
  fetch(settings: string, request?: EdgeRequest): Promise<EdgeAnswer>;
  stop(): Promise<void>;
}

export type SettingsByName = Record<string, Record<string, string>>;

/** A date this workerd supports; the bundle needs no compatibility flags (in particular not nodejs_compat). */
export const COMPATIBILITY_DATE = "2026-04-01";

function init(request: EdgeRequest) {
  return {
    method: request.method ?? "POST",
    headers: { "content-type": "application/json", ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  };
}

/**
 * Cloudflare's workerd through miniflare: the bundle as an ES module worker,
 * one worker per set of settings (as `env` bindings), no Node compatibility.
 * Its global fetch is workerd's own network service, allowed to reach
 * loopback (miniflare's default allows only public and private addresses).
 */
export async function loadInMiniflare(script: string, settings: SettingsByName): Promise<LoadedEdgeRuntime> {
  const miniflare = new Miniflare({
    workers: Object.entries(settings).map(([name, bindings]) => ({
      name,
      modules: true,
      script,
      bindings,
      compatibilityDate: COMPATIBILITY_DATE,
      outboundService: { network: { allow: ["local"] } },
    })),
  });
  await miniflare.ready;
  return {
    async fetch(name, request = {}) {
      // getWorker's declared type needs @cloudflare/workers-types' Fetcher; this is the part used.
      const worker = (await miniflare.getWorker(name)) as unknown as {
        fetch(
          url: string,
          init: RequestInit,
        ): Promise<{ status: number; headers: Iterable<[string, string]>; text(): Promise<string> }>;
      };
      const response = await worker.fetch("https://edge.example/checkout", init(request));
      return { status: response.status, headers: new Headers([...response.headers]), body: await response.text() };
    },
    stop: () => miniflare.dispose(),
  };
}

/**
 * README.md's Vercel route (`api/checkout.js`) as a script: Vercel serves it
 * at /api/checkout and hands it `process.env`; the worker serves /checkout.
 */
const VERCEL_ROUTE = `
const handler = (request) => edgeWorker.default.fetch(new Request(new URL("/checkout", request.url), request), process.env);
addEventListener("fetch", (event) => event.respondWith(handler(event.request)));`;

/**
 * Vercel's edge runtime (the `edge-runtime` package): it runs scripts, not
 * modules, so the bundle is turned into one (the same code, wrapped, as
 * Vercel wraps an edge function) and answers through a fetch listener that
 * calls README.md's Vercel route. Vercel gives edge functions `process.env`;
 * the package does not, so it is added with the settings, and nothing else.
 */
export async function loadInEdgeRuntime(script: string, settings: SettingsByName): Promise<LoadedEdgeRuntime> {
  const { code } = await transform(script, { format: "iife", globalName: "edgeWorker", target: "es2022" });
  const runtimes = new Map(
    Object.entries(settings).map(([name, env]) => [
      name,
      new EdgeRuntime({
        extend: (context) => Object.assign(context, { process: { env: { ...env } } }),
        initialCode: `${code}\n${VERCEL_ROUTE}`,
      }),
    ]),
  );
  return {
    async fetch(name, request = {}) {
      const runtime = runtimes.get(name);
      if (!runtime) throw new Error(`no settings named ${name}`);
      const response = await runtime.dispatchFetch("https://edge.example/api/checkout", init(request));
      const answer = {
        status: response.status,
        headers: new Headers([...response.headers]),
        body: await response.text(),
      };
      await response.waitUntil();
      return answer;
    },
    stop: async () => {},
  };
}
