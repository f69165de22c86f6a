import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseOrThrow } from "../inventory/inputs.ts";
import { sequenceStockEvents } from "./sequence-stock-events.ts";
import { inTransaction } from "./stock-event-queryable.ts";
import { updateSubscriptionSchema } from "./stock-event-subscription-inputs.ts";
import {
  generateSubscriptionSecret,
  insertCursors,
  SUBSCRIPTION_COLUMNS,
  withCursors,
  type StockEventSubscription,
  type SubscriptionRow,
} from "./stock-event-subscription-records.ts";

export interface UpdateStockEventSubscriptionOptions {
  id: unknown;
  name?: unknown;
  url?: unknown;
  /** The new list of shops: cursors of removed shops are deleted, added shops start at `startFrom`. */
  shops?: unknown;
  kinds?: unknown;
  /** false pauses (the cursors stay where they are), true resumes from there. */
  active?: unknown;
  /** true: a new generated secret, in the answer this once. */
  rotateSecret?: unknown;
  /** A new secret of the caller's own. */
  secret?: unknown;
  startFrom?: unknown;
  db?: Database;
  now?: Date;
}

export interface UpdatedStockEventSubscription {
  subscription: StockEventSubscription;
  /** Only when the secret was rotated. */
  secret?: string;
}

/**
 * Changes a subscription. A new URL or a resume makes its cursors due at
 * once with their failure count reset (the old backoff was about the old
 * endpoint, or a pause). `validation_failed` names each bad field,
 * `not_found` an unknown id; nothing changes then.
 */
export async function updateStockEventSubscription(
  options: UpdateStockEventSubscriptionOptions,
): Promise<UpdatedStockEventSubscription> {
  const input = parseOrThrow(updateSubscriptionSchema, {
    id: options.id,
    name: options.name,
    url: options.url,
    shops: options.shops,
    kinds: options.kinds,
    active: options.active,
    rotateSecret: options.rotateSecret,
    secret: options.secret,
    startFrom: options.startFrom,
  });
  if (input.rotateSecret && input.secret !== undefined) {
    throw InventoryError.validation([{ field: "secret", message: "give a secret or ask for a rotation, not both" }]);
  }
  const db = options.db ?? getDatabase();
  const now = options.now ?? new Date();
  const secret = input.rotateSecret ? generateSubscriptionSecret() : input.secret;
  try {
    if (input.shops && input.startFrom === "now") {
      for (const shopId of input.shops) await sequenceStockEvents({ db, shopId });
    }
    const row = await inTransaction(db, async (client) => {
      const { rows: before } = await client.query<SubscriptionRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM "StockEventSubscription" WHERE id = $1 FOR UPDATE`,
        [input.id],
      );
      const current = before[0];
      if (!current) throw new InventoryError("not_found", `No webhook subscription ${input.id}.`);
      const { rows } = await client.query<SubscriptionRow>(
        `UPDATE "StockEventSubscription" SET
           name = coalesce($2, name), url = coalesce($3, url), shops = coalesce($4::text[], shops),
           kinds = coalesce($5::text[], kinds), active = coalesce($6, active), secret = coalesce($7, secret),
           "updatedAt" = $8
         WHERE id = $1 RETURNING ${SUBSCRIPTION_COLUMNS}`,
        [
          input.id,
          input.name ?? null,
          input.url ?? null,
          input.shops ?? null,
          input.kinds ?? null,
          input.active ?? null,
          secret ?? null,
          now,
        ],
      );
      if (input.shops) {
        await client.query(
          `DELETE FROM "StockEventCursor" WHERE "subscriptionId" = $1 AND NOT ("shopId" = ANY($2::text[]))`,
          [input.id, input.shops],
        );
        await insertCursors(client, { subscriptionId: input.id, shops: input.shops, startFrom: input.startFrom, now });
      }
      const resumed = input.active === true && !current.active;
      const moved = input.url !== undefined && input.url !== current.url;
      if (resumed || moved) {
        await client.query(
          `UPDATE "StockEventCursor" SET failures = 0, "nextAttemptAt" = $2 WHERE "subscriptionId" = $1`,
          [input.id, now],
        );
      }
      return rows[0]!;
    });
    const [subscription] = await withCursors(db.pool, [row]);
    return { subscription: subscription!, ...(secret !== undefined ? { secret } : {}) };
  } catch (error) {
    throw toInventoryError(error);
  }
}
