import { describe, expect, it } from "vitest";
import { getEnv } from "../env.ts";
import { createProcessStripePacer } from "./stripe-pacer.ts";

const env = { ...getEnv({}), STRIPE_GLOBAL_RATE_PER_SECOND: 100, STRIPE_ENDPOINT_RATE_PER_SECOND: 25 };

describe("createProcessStripePacer", () => {
  it("spaces one endpoint's calls at its rate and refuses a slot further away than the wait allowed", async () => {
    let now = 1_000_000;
    const pacer = createProcessStripePacer(env, () => now);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const slot = await pacer.take("create_checkout_session", 1_000);
      if (!("waitMs" in slot)) throw new Error("expected a slot");
      waits.push(slot.waitMs);
    }
    expect(waits).toEqual([0, 40, 80, 120, 160]);
    expect(await pacer.take("create_checkout_session", 100)).toEqual({ retryInMs: 200 });
    now += 200;
    expect(await pacer.take("create_checkout_session", 0)).toEqual({ waitMs: 0 });
  });

  it("endpoints share the account's global budget, counted per second", async () => {
    const now = 0;
    const pacer = createProcessStripePacer({ ...env, STRIPE_GLOBAL_RATE_PER_SECOND: 3 }, () => now);
    expect(await pacer.take("create_checkout_session", 0)).toEqual({ waitMs: 0 });
    expect(await pacer.take("expire_checkout_session", 0)).toEqual({ waitMs: 0 });
    expect(await pacer.take("create_checkout_session", 100)).toEqual({ waitMs: 40 });
    // The second's 3 calls are spent: both endpoints' next slots are in the next second.
    expect(await pacer.take("expire_checkout_session", 2_000)).toEqual({ waitMs: 1_000 });
    expect(await pacer.take("create_checkout_session", 2_000)).toEqual({ waitMs: 1_000 });
  });

  it("a 429 pauses the endpoint, or the whole account for a global limit", async () => {
    const now = 0;
    const pacer = createProcessStripePacer(env, () => now);
    await pacer.defer("create_checkout_session", 1_000, "endpoint");
    expect(await pacer.take("create_checkout_session", 500)).toEqual({ retryInMs: 1_000 });
    expect(await pacer.take("expire_checkout_session", 0)).toEqual({ waitMs: 0 });
    await pacer.defer("expire_checkout_session", 1_500, "global");
    // The account's budget is spent through the second the pause ends in.
    expect(await pacer.take("create_checkout_session", 5_000)).toEqual({ waitMs: 2_000 });
  });
});
