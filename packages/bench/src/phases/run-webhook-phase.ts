import {
  createPrismaOpsAlertStore,
  createPrismaWebhookEventLog,
  type Database,
  type HoldStore,
} from "@acme/platform-core";
import { handleStripeWebhook } from "@acme/platform-core/route-handlers";
import Stripe from "stripe";
import { createErrorTally, type ErrorCount } from "../create-error-tally.ts";
import { createProgress } from "../create-progress.ts";
import { createRandom } from "../create-random.ts";
import type { BenchConfig } from "../read-bench-config.ts";
import { summarise, type LatencySummary } from "../stats.ts";
import type { GrantedHold } from "./run-hot-hold-phase.ts";

export interface WebhookPhaseResult {
  summary: LatencySummary;
  events: number;
  completed: number;
  expired: number;
  /** Response status → count; everything should be 200. */
  statuses: Record<string, number>;
  /** Response `outcome` → count (committed for completed, released for expired). */
  outcomes: Record<string, number>;
  /** Events whose outcome was not the one expected for a fresh, active hold. */
  unexpected: number;
  errors: ErrorCount[];
}

const SECRET = "whsec_bench_secret";

/**
 * Stripe settling the flash sale: signed `checkout.session.completed` and
 * `checkout.session.expired` events for holds from the hot phase, through the
 * real handler (signature check, event log, hold transition) by concurrent
 * senders, as Stripe's delivery workers would.
 */
export async function runWebhookPhase(
  config: BenchConfig,
  deps: { db: Database; holds: HoldStore; granted: GrantedHold[] },
): Promise<WebhookPhaseResult> {
  const random = createRandom(config.randomSeed + 2);
  // A deterministic sample of the granted holds (Fisher-Yates on a copy).
  const pool = deps.granted.slice();
  for (let i = pool.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const chosen = pool.slice(0, Math.min(config.webhookEvents, pool.length));
  const created = Math.floor(Date.now() / 1000);
  const events = chosen.map((hold, index) => {
    const expired = random.chance(config.webhookExpiredShare);
    const payload = JSON.stringify({
      id: `evt_bench_${index}`,
      object: "event",
      type: expired ? "checkout.session.expired" : "checkout.session.completed",
      created,
      livemode: false,
      api_version: "2026-10-28.endive",
      data: {
        object: {
          id: `cs_bench_${index}`,
          object: "checkout.session",
          status: expired ? "expired" : "complete",
          payment_status: expired ? "unpaid" : "paid",
          metadata: { shop_id: config.shopId, inventory_reservation_id: hold.holdId },
        },
      },
    });
    // Signed before the clock starts: signing is Stripe's work, not ours.
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    return { payload, signature, expired };
  });

  const options = {
    secret: SECRET,
    holds: deps.holds,
    events: createPrismaWebhookEventLog(deps.db),
    alerts: createPrismaOpsAlertStore(deps.db),
  };
  const latencies = new Float64Array(events.length);
  const statuses: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const errors = createErrorTally();
  const progress = createProgress("webhook", events.length);
  let unexpected = 0;
  let next = 0;
  let done = 0;

  const started = performance.now();
  await Promise.all(
    Array.from({ length: config.webhookConcurrency }, async () => {
      while (next < events.length) {
        const index = next++;
        const event = events[index]!;
        const t0 = performance.now();
        try {
          const request = new Request("http://cms.bench/api/stripe/webhook", {
            method: "POST",
            headers: { "content-type": "application/json", "stripe-signature": event.signature },
            body: event.payload,
          });
          const response = await handleStripeWebhook(request, options);
          const body = (await response.json()) as { outcome?: string };
          latencies[index] = performance.now() - t0;
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          const outcome = body.outcome ?? "(none)";
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          if (outcome !== (event.expired ? "released" : "committed")) unexpected += 1;
        } catch (error) {
          latencies[index] = performance.now() - t0;
          errors.add(error);
        }
        done += 1;
        progress.update(done);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const expired = events.filter((event) => event.expired).length;
  progress.finish(
    `${events.length} events (${events.length - expired} completed, ${expired} expired) in ${seconds.toFixed(2)}s`,
  );
  return {
    summary: summarise(latencies, events.length, seconds),
    events: events.length,
    completed: events.length - expired,
    expired,
    statuses,
    outcomes,
    unexpected,
    errors: errors.list(),
  };
}
