import { z } from "zod";
import { OPS_ALERT_RULES } from "../alerts/ops-alert-rules.ts";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";

/** Default window for the refusal counts: the capped-share ops rule's (5 minutes). */
export const HOLD_CAP_PRESSURE_WINDOW_SECONDS = OPS_ALERT_RULES.holdCapsShare.windowSeconds;

const windowSecondsSchema = z
  .number()
  .int("must be a whole number")
  .min(60, "must be at least 60")
  .max(86_400, "must be at most 1 day");

export interface GetHoldCapPressureOptions {
  shopId: string;
  /** The refusal counts cover `(now - windowSeconds, now]` (default 300 s, 60 s to 1 day). */
  windowSeconds?: number;
  now?: Date;
  database?: Database;
}

export interface HoldCapPressure {
  shopId: string;
  from: Date;
  to: Date;
  windowSeconds: number;
  /**
   * Clients at a cap of the shop's hold policy now: their active, unexpired
   * holds reach `maxActiveHoldsPerClient` or their held units reach
   * `maxHeldUnitsPerClient`, so their next hold is refused. Counted as the
   * caps count them: an address and a buyer cookie are two clients.
   */
  clientsAtCap: number;
  /** Of those, the ones at the cap on holds, and on units (a client at both is in both). */
  clientsAtHoldCap: number;
  clientsAtUnitCap: number;
  /** Hold requests in the window refused by a cap (`cap_holds`, `cap_units`) and by a purchase limit. */
  capRefusals: number;
  limitRefusals: number;
  /** Hold requests in the window that named a client, granted or not. */
  clientRequests: number;
  /** capRefusals / clientRequests; null without requests. What `hold_caps_share_high` judges. */
  capShare: number | null;
}

/**
 * How hard the shop's clients press on its hold caps, from the database (a
 * per-process gauge would show one serverless instance's share): clients at
 * a cap from the active holds grouped by client against
 * `inventory_hold_policy`, and the refusals and client requests in the
 * window from `OpsEventCount`. Bad input fails with `validation_failed`.
 */
export async function getHoldCapPressure(options: GetHoldCapPressureOptions): Promise<HoldCapPressure> {
  const shopId = parseShopId(options.shopId);
  const windowSeconds = parseOrThrow(
    windowSecondsSchema,
    options.windowSeconds ?? HOLD_CAP_PRESSURE_WINDOW_SECONDS,
    "windowSeconds",
  );
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw InventoryError.validation([{ field: "now", message: "must be a valid date" }]);
  }
  const database = options.database ?? getDatabase();
  try {
    const [clients, events] = await Promise.all([
      // As inventory_client_usage counts a client's holds and units (active, unexpired, with their items).
      database.pool.query<{ at_cap: number; at_hold_cap: number; at_unit_cap: number }>(
        `WITH active AS (
           SELECT h.id, h."clientAddress", h."clientBuyer", sum(hi.quantity) AS units
           FROM "InventoryHold" h JOIN "InventoryHoldItem" hi ON hi."holdId" = h.id
           WHERE h."shopId" = $1 AND h.status = 'active' AND h."expiresAt" > $2
             AND (h."clientAddress" IS NOT NULL OR h."clientBuyer" IS NOT NULL)
           GROUP BY h.id
         ), clients AS (
           SELECT count(*) AS holds, sum(units) AS units FROM active WHERE "clientAddress" IS NOT NULL GROUP BY "clientAddress"
           UNION ALL
           SELECT count(*), sum(units) FROM active WHERE "clientBuyer" IS NOT NULL GROUP BY "clientBuyer"
         )
         SELECT count(*) FILTER (WHERE c.holds >= p."maxActiveHoldsPerClient" OR c.units >= p."maxHeldUnitsPerClient")::int AS at_cap,
                count(*) FILTER (WHERE c.holds >= p."maxActiveHoldsPerClient")::int AS at_hold_cap,
                count(*) FILTER (WHERE c.units >= p."maxHeldUnitsPerClient")::int AS at_unit_cap
         FROM clients c CROSS JOIN inventory_hold_policy($1) p`,
        [shopId, now],
      ),
      database.pool.query<{ requests: number; capped: number; limited: number }>(
        `SELECT coalesce(sum(count) FILTER (WHERE kind = 'client_hold_request'), 0)::int AS requests,
                coalesce(sum(count) FILTER (WHERE kind = 'hold_refused_cap'), 0)::int AS capped,
                coalesce(sum(count) FILTER (WHERE kind = 'hold_refused_limit'), 0)::int AS limited
         FROM "OpsEventCount"
         WHERE kind IN ('client_hold_request', 'hold_refused_cap', 'hold_refused_limit') AND "shopId" = $1
           AND bucket > $2::timestamptz - make_interval(secs => $3) AND bucket <= $2`,
        [shopId, now, windowSeconds],
      ),
    ]);
    const atCap = clients.rows[0]!;
    const counts = events.rows[0]!;
    return {
      shopId,
      from: new Date(now.getTime() - windowSeconds * 1000),
      to: now,
      windowSeconds,
      clientsAtCap: atCap.at_cap,
      clientsAtHoldCap: atCap.at_hold_cap,
      clientsAtUnitCap: atCap.at_unit_cap,
      capRefusals: counts.capped,
      limitRefusals: counts.limited,
      clientRequests: counts.requests,
      capShare: counts.requests === 0 ? null : counts.capped / counts.requests,
    };
  } catch (error) {
    throw toInventoryError(error);
  }
}
