import { describe, expect, it } from "vitest";
import { getEmulatorEnv, limitsFromEnv } from "./emulator-env.ts";
import { STRIPE_LIVE_LIMITS, STRIPE_SANDBOX_LIMITS } from "./limits/stripe-limits.ts";

const base = { STRIPE_WEBHOOK_SECRET: "whsec_env" };

describe("STRIPE_EMULATOR_LIMITS", () => {
  it("defaults to the sandbox's limits", () => {
    expect(limitsFromEnv(getEmulatorEnv(base))).toEqual(STRIPE_SANDBOX_LIMITS);
  });

  it("names a preset, overridden one number at a time", () => {
    expect(limitsFromEnv(getEmulatorEnv({ ...base, STRIPE_EMULATOR_LIMITS: "live" }))).toEqual(STRIPE_LIVE_LIMITS);
    expect(
      limitsFromEnv(
        getEmulatorEnv({
          ...base,
          STRIPE_EMULATOR_LIMITS: "live",
          STRIPE_EMULATOR_ENDPOINT_PER_SECOND: "50",
          STRIPE_EMULATOR_CONCURRENCY: " 5 ",
        }),
      ),
    ).toEqual({ globalPerSecond: 100, endpointPerSecond: 50, concurrency: 5 });
    expect(limitsFromEnv(getEmulatorEnv({ ...base, STRIPE_EMULATOR_GLOBAL_PER_SECOND: "" }))).toEqual(
      STRIPE_SANDBOX_LIMITS,
    );
  });

  it("turns limits off, and refuses overrides that would then do nothing", () => {
    expect(limitsFromEnv(getEmulatorEnv({ ...base, STRIPE_EMULATOR_LIMITS: "off" }))).toBe(false);
    expect(() => getEmulatorEnv({ ...base, STRIPE_EMULATOR_LIMITS: "off", STRIPE_EMULATOR_CONCURRENCY: "3" })).toThrow(
      /STRIPE_EMULATOR_CONCURRENCY \(has no effect with STRIPE_EMULATOR_LIMITS=off\)/,
    );
  });

  it("refuses unknown presets and numbers that are not positive integers", () => {
    expect(() => getEmulatorEnv({ ...base, STRIPE_EMULATOR_LIMITS: "test" })).toThrow(/STRIPE_EMULATOR_LIMITS/);
    expect(() => getEmulatorEnv({ ...base, STRIPE_EMULATOR_GLOBAL_PER_SECOND: "0" })).toThrow(
      /STRIPE_EMULATOR_GLOBAL_PER_SECOND/,
    );
    expect(() => getEmulatorEnv({ ...base, STRIPE_EMULATOR_ENDPOINT_PER_SECOND: "fast" })).toThrow(
      /STRIPE_EMULATOR_ENDPOINT_PER_SECOND/,
    );
  });
});
