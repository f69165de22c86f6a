import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import { holdPolicySchema } from "./hold-policy.ts";
import type { HoldPolicy, HoldStore } from "./types.ts";

/** The shop's hold policy: caps per client and the unopened-hold time (the defaults until an operator sets them). */
export async function getShopHoldPolicy(options: { shopId: string; store?: HoldStore }): Promise<HoldPolicy> {
  const shopId = parseShopId(options.shopId);
  return (options.store ?? getHoldStore()).getHoldPolicy({ shopId });
}

/**
 * Sets the shop's hold policy (all three values; `validation_failed` with
 * field and reason for any out of range, nothing changed). Holds already
 * made keep their expiry; the caps apply to the next request.
 */
export async function setShopHoldPolicy(options: {
  shopId: string;
  policy: unknown;
  actor: string;
  now?: Date;
  store?: HoldStore;
}): Promise<HoldPolicy> {
  const shopId = parseShopId(options.shopId);
  const policy = parseOrThrow(holdPolicySchema, options.policy, "policy");
  return (options.store ?? getHoldStore()).setHoldPolicy({
    shopId,
    policy,
    actor: options.actor,
    now: options.now ?? new Date(),
  });
}
