import {
  createInventoryHold,
  identifyHoldClient,
  isInventoryError,
  type HoldStore,
  type InsufficientItem,
} from "@acme/platform-core";
import { HOT_SKU, coldSku } from "../cold-sku.ts";
import { createErrorTally, type ErrorCount } from "../create-error-tally.ts";
import { createProgress } from "../create-progress.ts";
import { createRandom } from "../create-random.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { runClosedLoop } from "../run-closed-loop.ts";
import { summarise, type LatencySummary } from "../stats.ts";

export interface GrantedHold {
  holdId: string;
  hotUnits: number;
}

export interface HotHoldPhaseResult {
  /** Latency over every answered request (granted or refused); per_s is granted holds per second. */
  summary: LatencySummary;
  /** Latency of granted requests only. */
  grantedSummary: LatencySummary;
  hotUnitsPerS: number;
  hotUnitsGranted: number;
  requests: number;
  granted: number;
  /** Refusals naming the hot variant: the buyer's signal that the sale is over. */
  soldOutRefusals: number;
  /** Refusals naming only cold variants (should not happen with the default stock). */
  coldRefusals: number;
  wallSeconds: number;
  timedOut: boolean;
  abortedOnErrors: boolean;
  errors: ErrorCount[];
  /** The store's batching counters when it exposes them (how many requests each transaction served). */
  batchStats: Record<string, number> | undefined;
  holds: GrantedHold[];
}

const BENCH_CLIENT_SECRET = "bench-client-secret-0123456789abcdef";

/** Stop the phase rather than spin: past this many unexpected errors the figures mean nothing. */
const MAX_ERRORS = 1_000;

/**
 * The flash sale: `buyers` concurrent buyers in a closed loop on one hot
 * variant, mostly one-line carts of 1 unit, some multi-line carts that also
 * take cold variants. Each buyer stops at its first refusal on the hot
 * variant, so the phase ends when the hot variant is sold out.
 */
export async function runHotHoldPhase(
  config: BenchConfig,
  deps: { holds: HoldStore },
  options: { sku?: string; clients?: boolean; label?: string } = {},
): Promise<HotHoldPhaseResult> {
  const hotSku = options.sku ?? HOT_SKU;
  const random = createRandom(config.randomSeed + 1);
  const latencies: number[] = [];
  const grantedLatencies: number[] = [];
  const holds: GrantedHold[] = [];
  const errors = createErrorTally();
  const progress = createProgress(
    options.label ?? (options.clients ? "hold (hot, caps)" : "hold (hot)"),
    config.hotUnits,
  );
  let arrivals = 0;
  // With clients, each attempt is a buyer of its own (an address and a buyer cookie), named as a
  // shop names its buyer, so the caps are counted and checked on every request but never bind.
  // The keyed hashes are made before the sale, as a shop makes them while it reads the request
  // (about 13 µs a buyer; the rest of its request handling is not in this benchmark either).
  // Addresses are IPv6 /64s of the shop's own, so runs against several shops never share a buyer.
  const shopNet = [...config.shopId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) & 0xffff, 7).toString(16);
  const clients = options.clients
    ? Array.from({ length: config.hotUnits * 2 + config.buyers }, (_, n) =>
        identifyHoldClient({
          address: `2001:db8:${shopNet}:${n.toString(16)}::1`,
          buyerId: `bench-buyer-${config.shopId}-${n}`,
          secret: BENCH_CLIENT_SECRET,
        }),
      )
    : [];
  let hotUnitsGranted = 0;
  let soldOutRefusals = 0;
  let coldRefusals = 0;
  const before = batchStatsOf(deps.holds);

  const cart = () => {
    const lines = [{ sku: hotSku, quantity: 1 }];
    if (random.chance(config.multiLineShare)) {
      const extra = random.int(1, 2);
      const picked = new Set<number>();
      while (picked.size < extra) picked.add(random.int(0, config.coldVariants - 1));
      for (const index of picked) lines.push({ sku: coldSku(index), quantity: 1 });
    }
    return lines;
  };

  const loop = await runClosedLoop({
    concurrency: config.buyers,
    timeoutSeconds: config.phaseTimeoutSeconds,
    shouldStop: () => errors.total() >= MAX_ERRORS,
    attempt: async () => {
      const requests = cart();
      const started = performance.now();
      try {
        const client = clients[arrivals++];
        const { holdId } = await createInventoryHold({
          shopId: config.shopId,
          requests,
          ttlSeconds: 600,
          store: deps.holds,
          ...(client ? { client } : {}),
        });
        const latency = performance.now() - started;
        latencies.push(latency);
        grantedLatencies.push(latency);
        holds.push({ holdId, hotUnits: 1 });
        hotUnitsGranted += 1;
        progress.update(hotUnitsGranted, `(${holds.length} holds, ${errors.total()} errors)`);
        return true;
      } catch (error) {
        const latency = performance.now() - started;
        if (isInventoryError(error, "inventory_insufficient")) {
          latencies.push(latency);
          const items = (error.details.items ?? []) as InsufficientItem[];
          if (items.some((item) => item.sku === hotSku)) {
            soldOutRefusals += 1;
            return false;
          }
          coldRefusals += 1;
          return true;
        }
        errors.add(error);
        return true;
      }
    },
  });

  const after = batchStatsOf(deps.holds);
  const batchStats =
    after === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(after).map(([key, value]) => [
            key,
            key === "largestBatch" ? value : value - (before?.[key] ?? 0),
          ]),
        );
  progress.finish(
    `${hotUnitsGranted} hot units in ${holds.length} holds, ${loop.wallSeconds.toFixed(2)}s` +
      (errors.total() > 0 ? `, ${errors.total()} UNEXPECTED ERRORS` : "") +
      (loop.timedOut ? ", TIMED OUT" : ""),
  );
  return {
    summary: summarise(latencies, holds.length, loop.wallSeconds),
    grantedSummary: summarise(grantedLatencies, holds.length, loop.wallSeconds),
    hotUnitsPerS: loop.wallSeconds > 0 ? hotUnitsGranted / loop.wallSeconds : 0,
    hotUnitsGranted,
    requests: latencies.length + errors.total(),
    granted: holds.length,
    soldOutRefusals,
    coldRefusals,
    wallSeconds: loop.wallSeconds,
    timedOut: loop.timedOut,
    abortedOnErrors: errors.total() >= MAX_ERRORS,
    errors: errors.list(),
    batchStats,
    holds,
  };
}

/**
 * The Prisma hold store may count how many requests each transaction served.
 * Read it by shape, not by type: it is not part of the `HoldStore` contract
 * and may change while the store's batching evolves.
 */
function batchStatsOf(store: HoldStore): Record<string, number> | undefined {
  const candidate = (store as { batchStats?: unknown }).batchStats;
  if (typeof candidate !== "function") return undefined;
  const stats = (candidate as () => unknown).call(store);
  if (stats === null || typeof stats !== "object") return undefined;
  return Object.fromEntries(
    Object.entries(stats).filter((entry): entry is [string, number] => typeof entry[1] === "number"),
  );
}
