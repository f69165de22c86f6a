import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { CAPS_SHARE_MIN_SAMPLE, EXPIRY_RATE_MIN_SAMPLE, OPS_ALERT_RULES } from "../src/alerts/ops-alert-rules.ts";
import { resolvePromtool, runCommand } from "./support/promtool.ts";

// ops/prometheus/alert-rules.yml, checked and unit-tested by Debian's promtool
// (installed, or fetched from the archive once), and held to the thresholds
// of the cron's rules.

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../ops/prometheus");
let promtool: string;

beforeAll(async () => {
  promtool = await resolvePromtool();
}, 180_000);

it("promtool finds the rules well-formed", async () => {
  const { code, output } = await runCommand(promtool, ["check", "rules", "alert-rules.yml"], dir);
  expect(output).toContain("SUCCESS: 4 rules found");
  expect(code).toBe(0);
});

it("promtool's unit tests pass: each rule fires above its threshold and stays quiet at it, and on too small a sample", async () => {
  const { code, output } = await runCommand(promtool, ["test", "rules", "alert-rules.test.yml"], dir);
  expect(output).not.toContain("FAILED");
  expect(output).toContain("SUCCESS");
  expect(code).toBe(0);
});

it("the Prometheus rules carry the cron rules' thresholds, windows and minimum samples", async () => {
  const text = await readFile(path.join(dir, "alert-rules.yml"), "utf8");
  const rule = (alert: string) => {
    const start = text.indexOf(`- alert: ${alert}\n`);
    expect(start, alert).toBeGreaterThanOrEqual(0);
    const end = text.indexOf("- alert:", start + 1);
    return text.slice(start, end < 0 ? undefined : end);
  };
  const minutes = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds / 60}m`);
  const { holdExpiryRate, commitFailures, validationFailures, holdCapsShare } = OPS_ALERT_RULES;

  const caps = rule("InventoryHoldCapsShareHigh");
  expect(caps).toContain(`) > ${holdCapsShare.threshold.toFixed(2)}\n`);
  expect(caps).toContain(
    `sum by (shop) (increase(inventory_client_hold_requests[${minutes(holdCapsShare.windowSeconds)}])) >= ${CAPS_SHARE_MIN_SAMPLE}\n`,
  );
  expect(caps).toContain(
    `inventory_hold_refused{reason=~"cap_holds|cap_units"}[${minutes(holdCapsShare.windowSeconds)}]`,
  );
  expect(caps).toContain(`severity: ${holdCapsShare.severity}`);

  const expiry = rule("InventoryHoldExpiryRateHigh");
  expect(expiry).toContain(`) > ${holdExpiryRate.threshold.toFixed(2)}\n`);
  expect(expiry).toContain(
    `sum(increase(inventory_hold_expired[${minutes(holdExpiryRate.windowSeconds)}]))) >= ${EXPIRY_RATE_MIN_SAMPLE}\n`,
  );
  expect(rule("InventoryHoldCommitFailures")).toContain(
    `sum(increase(inventory_hold_commit_failed[${minutes(commitFailures.windowSeconds)}])) > ${commitFailures.threshold}\n`,
  );
  expect(rule("InventoryValidationFailuresHigh")).toContain(
    `sum(increase(inventory_validation_failure[${minutes(validationFailures.windowSeconds)}])) > ${validationFailures.threshold}\n`,
  );
});
