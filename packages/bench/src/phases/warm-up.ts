import {
  createInventoryHold,
  createPrismaWebhookEventLog,
  releaseInventoryHold,
  validateInventoryAvailability,
  type Database,
  type HoldStore,
  type InventoryStore,
} from "@acme/platform-core";
import { handleStripeWebhook } from "@acme/platform-core/route-handlers";
import Stripe from "stripe";
import { coldSku } from "../cold-sku.ts";
import { createProgress } from "../create-progress.ts";
import type { BenchConfig } from "../read-bench-config.ts";

async function inParallel(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * A running shop is warm: its pool is connected, PostgreSQL has planned the
 * hold functions on each connection, V8 has compiled the hot paths. Without
 * this the first measured phase would mostly time connection set-up and
 * compilation. Nothing here is measured; holds taken are released again, on
 * cold variants, so the hot variant starts the sale untouched.
 */
export async function warmUp(
  config: BenchConfig,
  deps: { db: Database; store: InventoryStore; holds: HoldStore },
): Promise<void> {
  const progress = createProgress("warm-up");
  const clients = await Promise.all(Array.from({ length: config.poolSize }, () => deps.db.pool.connect()));
  for (const client of clients) client.release();

  await inParallel(2_000, config.poolSize, (index) =>
    validateInventoryAvailability(config.shopId, [{ sku: coldSku(index % config.coldVariants), quantity: 1 }], deps),
  );
  progress.update(0, "(validation warm)");

  const holdIds: string[] = [];
  await inParallel(500, 128, async (index) => {
    const requests = [{ sku: coldSku(index % config.coldVariants), quantity: 1 }];
    if (index % 5 === 0) requests.push({ sku: coldSku((index + 7) % config.coldVariants), quantity: 1 });
    const { holdId } = await createInventoryHold({
      shopId: config.shopId,
      requests,
      ttlSeconds: 600,
      store: deps.holds,
    });
    holdIds.push(holdId);
  });
  await inParallel(holdIds.length, config.poolSize, (index) =>
    releaseInventoryHold({ shopId: config.shopId, holdId: holdIds[index]!, store: deps.holds }),
  );
  progress.update(0, "(holds warm)");

  // Event types the handler ignores: signature check and event log, no stock touched.
  const secret = "whsec_bench_warm_up";
  const events = createPrismaWebhookEventLog(deps.db);
  await inParallel(200, 32, async (index) => {
    const payload = JSON.stringify({
      id: `evt_warm_${index}`,
      object: "event",
      type: "customer.created",
      data: { object: { id: `cus_${index}`, object: "customer" } },
    });
    const request = new Request("http://cms.bench/api/stripe/webhook", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret }),
      },
      body: payload,
    });
    const response = await handleStripeWebhook(request, { secret, holds: deps.holds, events });
    await response.text();
  });
  progress.finish(
    `${config.poolSize} connections, 2000 validations, ${holdIds.length} holds taken and released, 200 webhooks`,
  );
}
