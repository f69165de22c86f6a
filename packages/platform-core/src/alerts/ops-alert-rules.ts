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
} as const satisfies Record<string, OpsAlertRule>;

/** The expiry rate is not judged on fewer ended holds than this (1 of 2 expiring is not a trend). */
export const EXPIRY_RATE_MIN_SAMPLE = 20;

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
  /** For rates: how many holds ended in the window. */
  sample?: number;
}

export interface EvaluateOpsAlertRulesOptions {
  now?: Date;
  database?: Database;
  /** Where the alerts are recorded (default: the process's ops alert store). */
  store?: OpsAlertStore;
  channels?: AlertChannels;
}

/**
 * Evaluates the three ops rules against the database (all processes' data)
 * and alerts for each rule that fires and is out of its cooldown. The
 * cooldown is claimed with one conditional upsert, so of concurrent cron
 * runs exactly one alerts. Alerts are delivered before this returns.
 */
export async function evaluateOpsAlertRules(options: EvaluateOpsAlertRulesOptions = {}): Promise<OpsRuleEvaluation[]> {
  const now = options.now ?? new Date();
  const database = options.database ?? getDatabase();
  const { holdExpiryRate, commitFailures, validationFailures } = OPS_ALERT_RULES;
  let measured: { ended: number; expired: number; commitFailures: number; validationFailures: number };
  try {
    const { rows } = await database.pool.query<{ ended: number; expired: number; commit_failures: number; validation_failures: number }>(
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
    measured = { ended: row.ended, expired: row.expired, commitFailures: row.commit_failures, validationFailures: row.validation_failures };
  } catch (error) {
    throw toInventoryError(error);
  }

  const expiryRate = measured.ended === 0 ? 0 : measured.expired / measured.ended;
  const checks: Array<{ rule: OpsAlertRule; value: number; firing: boolean; sample?: number; message: string }> = [
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
    };
    if (check.firing) {
      let claimed: boolean;
      try {
        const { rowCount } = await database.pool.query(
          `INSERT INTO "OpsAlertRuleState" (rule, "lastFiredAt", "lastValue", "updatedAt") VALUES ($1, $2, $3, now())
           ON CONFLICT (rule) DO UPDATE SET "lastFiredAt" = excluded."lastFiredAt", "lastValue" = excluded."lastValue", "updatedAt" = now()
           WHERE "OpsAlertRuleState"."lastFiredAt" <= excluded."lastFiredAt" - make_interval(secs => $4)
           RETURNING 1`,
          [check.rule.name, now, check.value, check.rule.cooldownSeconds],
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
            details: { value: check.value, threshold: check.rule.threshold, windowSeconds: check.rule.windowSeconds, ...(check.sample === undefined ? {} : { sample: check.sample }) },
          },
          { now, deliver: "await", ...(options.store ? { store: options.store } : {}), ...(options.channels ? { channels: options.channels } : {}) },
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
