import { getDatabase, type Database } from "../db/prisma-client.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import type { AlertChannels } from "./alert-channels.ts";
import type { OpsAlertSeverity, OpsAlertStore } from "./ops-alert-store.ts";
import { sendOpsAlert } from "./send-ops-alert.ts";

export interface OpsAlertRule {
  name: string;
  severity: OpsAlertSeverity;
  /** Fires when the measured value is strictly above this. */
  threshold: number;
  windowSeconds: number;
  /** After firing, the rule stays quiet this long (held in `OpsAlertRuleState`). */
  cooldownSeconds: number;
  description: string;
}

/** The seed plan's rules; `ops/prometheus/alert-rules.yml` carries the same thresholds. */
export const OPS_ALERT_RULES = {
  holdExpiryRate: {
    name: "hold_expiry_rate_high",
    severity: "warning",
    threshold: 0.2,
    windowSeconds: 3600,
    cooldownSeconds: 3600,
    description: "More than 20% of the holds that ended in the last hour expired (needs at least 20 ended holds).",
  },
  commitFailures: {
    name: "hold_commit_failures",
    severity: "critical",
    threshold: 5,
    windowSeconds: 300,
    cooldownSeconds: 900,
    description: "More than 5 hold commits failed in the last 5 minutes.",
  },
  validationFailures: {
    name: "validation_failures_high",
    severity: "warning",
    threshold: 50,
    windowSeconds: 60,
    cooldownSeconds: 900,
    description: "More than 50 availability validations failed in the last minute.",
  },
  holdCapsShare: {
    name: "hold_caps_share_high",
    severity: "warning",
    threshold: 0.2,
    windowSeconds: 300,
    cooldownSeconds: 900,
    description:
      "In one shop, more than 20% of the hold requests that named a client in the last 5 minutes were refused by a cap of the shop's hold policy (needs at least 50 such requests; judged and cooled down shop by shop).",
  },
} as const satisfies Record<string, OpsAlertRule>;

/** The expiry rate is not judged on fewer ended holds than this (1 of 2 expiring is not a trend). */
export const EXPIRY_RATE_MIN_SAMPLE = 20;

/**
 * A shop's capped share is not judged on fewer client hold requests than
 * this: one buyer retrying a full cart a few times is not a bot holding stock.
 */
export const CAPS_SHARE_MIN_SAMPLE = 50;

export interface OpsRuleEvaluation {
  rule: string;
  severity: OpsAlertSeverity;
  value: number;
  threshold: number;
  /** The condition holds now. */
  firing: boolean;
  /** This call claimed the rule's cooldown and sent the alert. */
  alerted: boolean;
  /** Firing, but the rule alerted within its cooldown (here or in a concurrent run). */
  suppressed: boolean;
  /** For rates: how many holds ended (or, for the capped share, client hold requests were made) in the window. */
  sample?: number;
  /** For a rule judged shop by shop: the shop (absent when no shop had anything to judge). */
  shopId?: string;
}

export interface EvaluateOpsAlertRulesOptions {
  now?: Date;
  database?: Database;
  /** Where the alerts are recorded (default: the process's ops alert store). */
  store?: OpsAlertStore;
  channels?: AlertChannels;
}

/**
 * Evaluates the ops rules against the database (all processes' data) and
 * alerts for each rule that fires and is out of its cooldown. The cooldown
 * is claimed with one conditional upsert, so of concurrent cron runs exactly
 * one alerts. Alerts are delivered before this returns.
 *
 * The capped share (`hold_caps_share_high`) is judged per shop, since one
 * shop under a bot is lost in the platform's total: one result per shop with
 * client hold requests in the window (by shop id), each with its own
 * cooldown (`OpsAlertRuleState` row `hold_caps_share_high:<shop>`), or one
 * result without a shop when no shop had any.
 */
export async function evaluateOpsAlertRules(options: EvaluateOpsAlertRulesOptions = {}): Promise<OpsRuleEvaluation[]> {
  const now = options.now ?? new Date();
  const database = options.database ?? getDatabase();
  const { holdExpiryRate, commitFailures, validationFailures, holdCapsShare } = OPS_ALERT_RULES;
  let measured: { ended: number; expired: number; commitFailures: number; validationFailures: number };
  let capsByShop: Array<{ shopId: string; requests: number; capped: number }>;
  try {
    const { rows } = await database.pool.query<{
      ended: number;
      expired: number;
      commit_failures: number;
      validation_failures: number;
    }>(
      `SELECT
         (SELECT count(*)::int FROM "InventoryHold" WHERE status IN ('committed', 'released', 'expired')
            AND coalesce("committedAt", "releasedAt", "expiredAt") > $1::timestamptz - make_interval(secs => $2)
            AND coalesce("committedAt", "releasedAt", "expiredAt") <= $1) AS ended,
         (SELECT count(*)::int FROM "InventoryHold" WHERE status = 'expired'
            AND "expiredAt" > $1::timestamptz - make_interval(secs => $2) AND "expiredAt" <= $1) AS expired,
         (SELECT coalesce(sum(count), 0)::int FROM "OpsEventCount" WHERE kind = 'hold_commit_failure'
            AND bucket > $1::timestamptz - make_interval(secs => $3) AND bucket <= $1) AS commit_failures,
         (SELECT coalesce(sum(count), 0)::int FROM "OpsEventCount" WHERE kind = 'validation_failure'
            AND bucket > $1::timestamptz - make_interval(secs => $4) AND bucket <= $1) AS validation_failures`,
      [now, holdExpiryRate.windowSeconds, commitFailures.windowSeconds, validationFailures.windowSeconds],
    );
    const row = rows[0]!;
    measured = {
      ended: row.ended,
      expired: row.expired,
      commitFailures: row.commit_failures,
      validationFailures: row.validation_failures,
    };
    const caps = await database.pool.query<{ shop_id: string; requests: number; capped: number }>(
      `SELECT "shopId" AS shop_id,
              coalesce(sum(count) FILTER (WHERE kind = 'client_hold_request'), 0)::int AS requests,
              coalesce(sum(count) FILTER (WHERE kind = 'hold_refused_cap'), 0)::int AS capped
       FROM "OpsEventCount" WHERE kind IN ('client_hold_request', 'hold_refused_cap')
         AND bucket > $1::timestamptz - make_interval(secs => $2) AND bucket <= $1
       GROUP BY "shopId" ORDER BY "shopId"`,
      [now, holdCapsShare.windowSeconds],
    );
    capsByShop = caps.rows.map((r) => ({ shopId: r.shop_id, requests: r.requests, capped: r.capped }));
  } catch (error) {
    throw toInventoryError(error);
  }

  const expiryRate = measured.ended === 0 ? 0 : measured.expired / measured.ended;
  const checks: Array<{
    rule: OpsAlertRule;
    value: number;
    firing: boolean;
    sample?: number;
    shopId?: string;
    message: string;
  }> = [
    {
      rule: holdExpiryRate,
      value: expiryRate,
      sample: measured.ended,
      firing: measured.ended >= EXPIRY_RATE_MIN_SAMPLE && expiryRate > holdExpiryRate.threshold,
      message: `${(expiryRate * 100).toFixed(1)}% of the ${measured.ended} holds that ended in the last hour expired (alert above 20%).`,
    },
    {
      rule: commitFailures,
      value: measured.commitFailures,
      firing: measured.commitFailures > commitFailures.threshold,
      message: `${measured.commitFailures} hold commits failed in the last 5 minutes (alert above 5).`,
    },
    {
      rule: validationFailures,
      value: measured.validationFailures,
      firing: measured.validationFailures > validationFailures.threshold,
      message: `${measured.validationFailures} availability validations failed in the last minute (alert above 50).`,
    },
    ...(capsByShop.length === 0
      ? [{ rule: holdCapsShare, value: 0, sample: 0, firing: false, message: "" }]
      : capsByShop.map(({ shopId, requests, capped }) => {
          const share = requests === 0 ? 0 : capped / requests;
          return {
            rule: holdCapsShare,
            value: share,
            sample: requests,
            shopId,
            firing: requests >= CAPS_SHARE_MIN_SAMPLE && share > holdCapsShare.threshold,
            message:
              `Shop ${shopId}: ${(share * 100).toFixed(1)}% of the ${requests} hold requests that named a client in the last 5 minutes ` +
              `were refused by a cap of the shop's hold policy (alert above 20%). Clients are at their caps: a bot may be holding stock ` +
              `(list the top holders and release them), or the caps are too low for this shop's buyers.`,
          };
        })),
  ];

  const results: OpsRuleEvaluation[] = [];
  for (const check of checks) {
    const result: OpsRuleEvaluation = {
      rule: check.rule.name,
      severity: check.rule.severity,
      value: check.value,
      threshold: check.rule.threshold,
      firing: check.firing,
      alerted: false,
      suppressed: false,
      ...(check.sample === undefined ? {} : { sample: check.sample }),
      ...(check.shopId === undefined ? {} : { shopId: check.shopId }),
    };
    if (check.firing) {
      // A rule judged per shop cools down per shop: one shop's alert does not silence another's.
      const cooldownKey = check.shopId === undefined ? check.rule.name : `${check.rule.name}:${check.shopId}`;
      let claimed: boolean;
      try {
        const { rowCount } = await database.pool.query(
          `INSERT INTO "OpsAlertRuleState" (rule, "lastFiredAt", "lastValue", "updatedAt") VALUES ($1, $2, $3, now())
           ON CONFLICT (rule) DO UPDATE SET "lastFiredAt" = excluded."lastFiredAt", "lastValue" = excluded."lastValue", "updatedAt" = now()
           WHERE "OpsAlertRuleState"."lastFiredAt" <= excluded."lastFiredAt" - make_interval(secs => $4)
           RETURNING 1`,
          [cooldownKey, now, check.value, check.rule.cooldownSeconds],
        );
        claimed = rowCount === 1;
      } catch (error) {
        throw toInventoryError(error);
      }
      if (claimed) {
        await sendOpsAlert(
          {
            severity: check.rule.severity,
            kind: check.rule.name,
            message: check.message,
            details: {
              ...(check.shopId === undefined ? {} : { shopId: check.shopId }),
              value: check.value,
              threshold: check.rule.threshold,
              windowSeconds: check.rule.windowSeconds,
              ...(check.sample === undefined ? {} : { sample: check.sample }),
            },
          },
          {
            now,
            deliver: "await",
            ...(options.store ? { store: options.store } : {}),
            ...(options.channels ? { channels: options.channels } : {}),
          },
        );
        result.alerted = true;
      } else {
        result.suppressed = true;
      }
    }
    results.push(result);
  }
  return results;
}
