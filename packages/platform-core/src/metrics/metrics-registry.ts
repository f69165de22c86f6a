import { Counter, Histogram, Registry } from "prom-client";

// Latency buckets in seconds, dense where the platform's targets are (5-25 ms).
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function createMetrics() {
  // Our own registry, not prom-client's global one: nothing else (another
  // library, the default process metrics) leaks into the exposition.
  const registry = new Registry();
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  const labelled = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, buckets = LATENCY_BUCKETS) =>
    new Histogram({ name, help, buckets, registers: [registry] });
  return {
    registry,
    holdCreated: counter("inventory_hold_created", "Holds created (idempotent replays not counted)."),
    holdCommitted: counter(
      "inventory_hold_committed",
      "Holds committed (sold), including late payments sold again and paid validate-only checkouts.",
    ),
    holdReleased: counter("inventory_hold_released", "Holds released before expiry (cancelled, payment failed)."),
    holdExpired: counter("inventory_hold_expired", "Holds expired by the reaper."),
    holdRefused: labelled(
      "inventory_hold_refused",
      "Holds refused before stock was looked at: reason cap_holds or cap_units (a client at a cap), or purchase_limit.",
      ["shop", "reason"],
    ),
    clientHoldRequests: labelled(
      "inventory_client_hold_requests",
      "Hold requests that named a client (shops' checkouts), granted or not.",
      ["shop"],
    ),
    checkoutSessionAttempts: labelled(
      "stripe_checkout_session_attempts",
      "Calls to create a hold's Checkout Session, by outcome: created, throttled (429), transient (5xx, timeouts), permanent (refused).",
      ["outcome"],
    ),
    checkoutSessionExpiries: labelled(
      "stripe_checkout_session_expiries",
      "Sessions the reaper expired through the API when their hold's time was up, by outcome: expired, closed (already complete or expired), throttled, failed.",
      ["outcome"],
    ),
    holdCommitFailed: counter(
      "inventory_hold_commit_failed",
      "Commits that failed: errors, holds no longer active, payments oversold.",
    ),
    validationFailure: counter("inventory_validation_failure", "Availability validations that found too little stock."),
    checkoutRejectedStock: counter("checkout_rejected_stock", "Checkouts refused because stock was insufficient."),
    validationDuration: histogram("inventory_validation_duration_seconds", "Latency of validateInventoryAvailability."),
    holdCreationDuration: histogram("inventory_hold_creation_duration_seconds", "Latency of createInventoryHold."),
    webhookDuration: histogram("stripe_webhook_duration_seconds", "Latency of handleStripeWebhook."),
    reaperRuns: counter("inventory_reaper_runs", "Reaper runs (all shops)."),
    reaperDuration: histogram(
      "inventory_reaper_run_duration_seconds",
      "Duration of one reaper run over all shops.",
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
  };
}

export type PlatformMetrics = ReturnType<typeof createMetrics>;

// Kept on globalThis so that hot reloading in development keeps one set of counters.
const globalForMetrics = globalThis as unknown as { __acmeMetrics?: PlatformMetrics };

/** The process's metrics (one registry per process; dashboards read the database instead). */
export function getMetrics(): PlatformMetrics {
  globalForMetrics.__acmeMetrics ??= createMetrics();
  return globalForMetrics.__acmeMetrics;
}

/** Runs `fn` and observes its duration in seconds, whether it resolves or throws. */
export async function timed<T>(histogram: Histogram, fn: () => Promise<T>): Promise<T> {
  const stop = histogram.startTimer();
  try {
    return await fn();
  } finally {
    stop();
  }
}
