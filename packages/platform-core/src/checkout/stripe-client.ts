import Stripe from "stripe";
import { getEnv, type Env } from "../env.ts";
import { InventoryError } from "../errors/inventory-error.ts";

/** The key the local emulator accepts when no real key is configured. */
export const EMULATOR_SECRET_KEY = "sk_test_emulator";

/** Default bound on one request to Stripe (ms). */
export const STRIPE_TIMEOUT_MS = 10_000;

export interface StripeClientOptions {
  /** Bound on each attempt (ms); default `STRIPE_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Retries after a network error or timeout; default 1. */
  maxNetworkRetries?: number;
}

/**
 * The official Stripe SDK. With `STRIPE_API_BASE_URL` it talks to that host
 * (the local emulator in development and tests); otherwise to Stripe.
 * Requests time out after 10 s and are retried once with an idempotency key.
 * The timeout bounds each attempt from start to last byte: the SDK's default
 * Node client only times out an idle socket, so a server that trickles its
 * response would hold a checkout (and its stock) forever.
 */
export function createStripeClient(
  env: Pick<Env, "STRIPE_SECRET_KEY" | "STRIPE_API_BASE_URL"> = getEnv(),
  options: StripeClientOptions = {},
): Stripe {
  const base = env.STRIPE_API_BASE_URL ? new URL(env.STRIPE_API_BASE_URL) : undefined;
  const key = env.STRIPE_SECRET_KEY ?? (base ? EMULATOR_SECRET_KEY : undefined);
  if (!key) {
    throw new InventoryError(
      "misconfigured",
      "STRIPE_SECRET_KEY is not set (or set STRIPE_API_BASE_URL to use the local Stripe emulator).",
    );
  }
  return new Stripe(key, {
    maxNetworkRetries: options.maxNetworkRetries ?? 1,
    timeout: options.timeoutMs ?? STRIPE_TIMEOUT_MS,
    httpClient: Stripe.createFetchHttpClient(),
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === "https:" ? 443 : 80),
          protocol: base.protocol === "https:" ? ("https" as const) : ("http" as const),
        }
      : {}),
  });
}

const globalForStripe = globalThis as unknown as { __acmeStripe?: Stripe };

export function getStripe(): Stripe {
  globalForStripe.__acmeStripe ??= createStripeClient();
  return globalForStripe.__acmeStripe;
}
