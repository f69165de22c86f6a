import { z } from "zod";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import type { HoldStore } from "./types.ts";
import { noteReaperRun } from "../metrics/instrument.ts";
import { getMetrics } from "../metrics/metrics-registry.ts";

const limitSchema = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(10_000, "must be at most 10000");

/** The reaper for one shop: expires up to `limit` holds whose time is up and returns how many. */
export async function releaseExpiredInventoryHolds(options: {
  shopId: string;
  limit?: number;
  now?: Date;
  store?: HoldStore;
}): Promise<number> {
  const shopId = parseShopId(options.shopId);
  const limit = parseOrThrow(limitSchema, options.limit ?? 1000, "limit");
  return reapShop(options.store ?? getHoldStore(), shopId, limit, options.now ?? new Date());
}

/** One reaper batch of one shop; every expiry the reaper makes is counted here. */
async function reapShop(store: HoldStore, shopId: string, limit: number, now: Date): Promise<number> {
  const released = await store.releaseExpiredHolds({ shopId, limit, now });
  if (released > 0) getMetrics().holdExpired.inc(released);
  return released;
}

export interface ShopReapResult {
  shopId: string;
  released: number;
  /** Set when this shop failed; the other shops were still reaped. */
  error?: string;
}

export interface ReapAllResult {
  released: number;
  durationMs: number;
  shops: ShopReapResult[];
}

/**
 * The cron job: reaps every shop that has active holds, in batches until a
 * shop has nothing left expired (or `maxBatchesPerShop` is reached). One
 * shop's failure is reported and does not stop the others.
 */
export async function releaseExpiredHoldsForAllShops(
  options: { now?: Date; batchSize?: number; maxBatchesPerShop?: number; store?: HoldStore } = {},
): Promise<ReapAllResult> {
  const started = performance.now();
  const store = options.store ?? getHoldStore();
  const now = options.now ?? new Date();
  const batchSize = parseOrThrow(limitSchema, options.batchSize ?? 1000, "batchSize");
  const maxBatches = options.maxBatchesPerShop ?? 100;
  const shops: ShopReapResult[] = [];
  for (const shopId of await store.listHoldShops()) {
    const result: ShopReapResult = { shopId, released: 0 };
    try {
      for (let batch = 0; batch < maxBatches; batch++) {
        const released = await reapShop(store, shopId, batchSize, now);
        result.released += released;
        if (released < batchSize) break;
      }
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
    }
    shops.push(result);
  }
  const result = {
    released: shops.reduce((total, shop) => total + shop.released, 0),
    durationMs: Math.round(performance.now() - started),
    shops,
  };
  noteReaperRun(performance.now() - started, now);
  return result;
}
