import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdIdSchema } from "./hold-inputs.ts";
import type { HoldStore, HoldTransition } from "./types.ts";
import { noteCommitFailure } from "../metrics/instrument.ts";
import { getMetrics } from "../metrics/metrics-registry.ts";

/**
 * Turns an active hold into a sale: its units leave `quantity` and `reserved`,
 * with a `sale` ledger entry per line. Committing a committed hold is a no-op
 * (`changed: false`). A released or expired hold cannot be committed (`conflict`).
 */
export async function commitInventoryHold(options: {
  shopId: string;
  holdId: string;
  actor?: string;
  now?: Date;
  store?: HoldStore;
}): Promise<HoldTransition> {
  const shopId = parseShopId(options.shopId);
  const holdId = parseOrThrow(holdIdSchema, options.holdId, "holdId");
  const store = options.store ?? getHoldStore();
  const now = options.now ?? new Date();
  const result = await store.commitHold({ shopId, holdId, actor: options.actor ?? "checkout", now }).catch((error: unknown) => {
    noteCommitFailure(shopId, now);
    throw error;
  });
  if (result.changed) getMetrics().holdCommitted.inc();
  return result;
}
