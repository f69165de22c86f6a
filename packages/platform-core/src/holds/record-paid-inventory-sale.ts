import { parseShopId } from "../inventory/inputs.ts";
import { noteCommitFailure } from "../metrics/instrument.ts";
import { getMetrics } from "../metrics/metrics-registry.ts";
import { getHoldStore } from "./get-hold-store.ts";
import type { HoldLine, HoldStore, PaidHoldResult, PaidSaleOutcome } from "./types.ts";

/**
 * Payment succeeded for a checkout that held nothing (a validate-only shop):
 * sells the lines from free stock once per Checkout Session, or records an
 * oversold sale and touches no stock. Counts the sale, or the failure, as a
 * paid hold's commit is counted (`commitPaidInventoryHold`): the webhook and
 * any other caller go through here.
 */
export async function recordPaidInventorySale(options: {
  shopId: string;
  checkoutSessionId: string;
  lines: HoldLine[];
  actor: string;
  now?: Date;
  store?: HoldStore;
}): Promise<{ outcome: PaidSaleOutcome; insufficient?: PaidHoldResult["insufficient"] }> {
  const shopId = parseShopId(options.shopId);
  const store = options.store ?? getHoldStore();
  const now = options.now ?? new Date();
  const result = await store
    .recordPaidSale({
      shopId,
      saleId: `sale_${options.checkoutSessionId}`,
      checkoutSessionId: options.checkoutSessionId,
      lines: options.lines,
      actor: options.actor,
      now,
    })
    .catch((error: unknown) => {
      noteCommitFailure(shopId, now);
      throw error;
    });
  if (result.outcome === "sold") getMetrics().holdCommitted.inc();
  if (result.outcome === "oversold") noteCommitFailure(shopId, now);
  return result;
}
