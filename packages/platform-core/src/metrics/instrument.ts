// The few calls the library's use-cases make to count what they do: the
// process's Prometheus metrics, and (for what no table records) the
// database event counts the dashboards and ops rules read.
import { getMetrics } from "./metrics-registry.ts";
import { recordOpsEvent } from "./ops-events.ts";

export function noteValidationFailure(shopId: string, at?: Date): void {
  getMetrics().validationFailure.inc();
  recordOpsEvent("validation_failure", { shopId, ...(at ? { at } : {}) });
}

export function noteCheckoutStockRejection(shopId: string, at?: Date): void {
  getMetrics().checkoutRejectedStock.inc();
  recordOpsEvent("checkout_stock_rejection", { shopId, ...(at ? { at } : {}) });
}

/** A hold request that named a client (the denominator of the capped share). */
export function noteClientHoldRequest(shopId: string, at?: Date): void {
  getMetrics().clientHoldRequests.inc({ shop: shopId });
  recordOpsEvent("client_hold_request", { shopId, ...(at ? { at } : {}) });
}

/** A hold refused by a cap on the client or by a purchase limit. */
export function noteHoldRefused(shopId: string, reason: "cap_holds" | "cap_units" | "purchase_limit", at?: Date): void {
  getMetrics().holdRefused.inc({ shop: shopId, reason });
  recordOpsEvent(reason === "purchase_limit" ? "hold_refused_limit" : "hold_refused_cap", {
    shopId,
    ...(at ? { at } : {}),
  });
}

export function noteCommitFailure(shopId: string, at?: Date): void {
  getMetrics().holdCommitFailed.inc();
  recordOpsEvent("hold_commit_failure", { shopId, ...(at ? { at } : {}) });
}

/** A reaper run over all shops (the holds it expired are counted shop by shop, as they are reaped). */
export function noteReaperRun(durationMs: number, at?: Date): void {
  const metrics = getMetrics();
  metrics.reaperRuns.inc();
  metrics.reaperDuration.observe(durationMs / 1000);
  recordOpsEvent("reaper_run", { value: durationMs, ...(at ? { at } : {}) });
}
