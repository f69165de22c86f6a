import { describe, expect, it } from "vitest";
import {
  checkoutTimes,
  HOLD_GRACE_SECONDS,
  SESSION_PREPARE_SECONDS,
  STRIPE_MIN_SESSION_SECONDS,
} from "./checkout-expiry.ts";

const now = new Date("2026-12-01T12:00:00.000Z");
const minutes = (m: number) => new Date(now.getTime() + m * 60_000);

describe("checkoutTimes", () => {
  it("a 20-minute hold keeps its 20 minutes; its session gets Stripe's 30 plus the time to prepare it", () => {
    const times = checkoutTimes({ holdExpiresAt: minutes(20), now });
    expect(times.sessionExpiresAt).toEqual(minutes(34));
    expect(times.prepareBy).toEqual(new Date(now.getTime() + SESSION_PREPARE_SECONDS * 1000));
    // Still valid for Stripe at the last attempt: at least 30 minutes (plus a minute of skew) after prepareBy.
    expect(times.sessionExpiresAt.getTime() - times.prepareBy.getTime()).toBeGreaterThanOrEqual(
      (STRIPE_MIN_SESSION_SECONDS + 60) * 1000,
    );
  });

  it("a 60-minute hold: the session ends 5 minutes before the hold, so a late webhook still finds it held", () => {
    const times = checkoutTimes({ holdExpiresAt: minutes(60), now });
    expect(times.sessionExpiresAt).toEqual(minutes(60 - HOLD_GRACE_SECONDS / 60));
  });

  it("a hold shorter than the time to prepare bounds the attempts", () => {
    expect(checkoutTimes({ holdExpiresAt: minutes(1), now }).prepareBy).toEqual(minutes(1));
  });

  it("expires_at is a whole second (Stripe takes seconds)", () => {
    const odd = new Date(now.getTime() + 1234);
    expect(checkoutTimes({ holdExpiresAt: minutes(50), now: odd }).sessionExpiresAt.getMilliseconds()).toBe(0);
  });
});
