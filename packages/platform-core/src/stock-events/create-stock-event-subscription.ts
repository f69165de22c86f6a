import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { timeOrderedUuid } from "../ids/time-ordered-uuid.ts";
import { parseOrThrow } from "../inventory/inputs.ts";
import { sequenceStockEvents } from "./sequence-stock-events.ts";
import { inTransaction } from "./stock-event-queryable.ts";
import { createSubscriptionSchema } from "./stock-event-subscription-inputs.ts";
import {
  generateSubscriptionSecret,
  insertCursors,
  SUBSCRIPTION_COLUMNS,
  withCursors,
  type StockEventSubscriptionWithSecret,
  type SubscriptionRow,
} from "./stock-event-subscription-records.ts";

export interface CreateStockEventSubscriptionOptions {
  name: unknown;
  /** https, or http to a loopback host (any host outside production). */
  url: unknown;
  shops: unknown;
  /** Event types (STOCK_EVENT_TYPES) it receives. */
  kinds: unknown;
  /** The signing secret; default a generated `whsec_...`. */
  secret?: unknown;
  active?: unknown;
  /** `now` (default): events committed from now on; `beginning`: every retained event of its shops. */
  startFrom?: unknown;
  /** Who created it (the operator's email). */
  actor: unknown;
  db?: Database;
  now?: Date;
}

/**
 * Creates a webhook subscription and one cursor per shop. The secret is in
 * the answer only this once (the CMS shows it; it cannot be read back, only
 * rotated). Bad input is `validation_failed` naming each field (`url`,
 * `shops.1`, `kinds.0`) and nothing is created.
 */
export async function createStockEventSubscription(
  options: CreateStockEventSubscriptionOptions,
): Promise<StockEventSubscriptionWithSecret> {
  const input = parseOrThrow(createSubscriptionSchema, {
    name: options.name,
    url: options.url,
    shops: options.shops,
    kinds: options.kinds,
    secret: options.secret,
    active: options.active,
    startFrom: options.startFrom,
    actor: options.actor,
  });
  const db = options.db ?? getDatabase();
  const now = options.now ?? new Date();
  const secret = input.secret ?? generateSubscriptionSecret();
  const id = timeOrderedUuid(now.getTime());
  try {
    // Events committed before now get their numbers first, so a cursor that starts "now" starts after them.
    if (input.startFrom === "now") for (const shopId of input.shops) await sequenceStockEvents({ db, shopId });
    const row = await inTransaction(db, async (client) => {
      const { rows } = await client.query<SubscriptionRow>(
        `INSERT INTO "StockEventSubscription" (id, name, url, secret, shops, kinds, active, "createdBy", "createdAt", "updatedAt")
         VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7, $8, $9, $9)
         RETURNING ${SUBSCRIPTION_COLUMNS}`,
        [id, input.name, input.url, secret, input.shops, input.kinds, input.active, input.actor, now],
      );
      await insertCursors(client, { subscriptionId: id, shops: input.shops, startFrom: input.startFrom, now });
      return rows[0]!;
    });
    const [subscription] = await withCursors(db.pool, [row]);
    return { subscription: subscription!, secret };
  } catch (error) {
    throw toInventoryError(error);
  }
}
