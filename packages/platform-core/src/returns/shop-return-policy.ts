import { z } from "zod";
import { parseOrThrow, parseShopId } from "../inventory/inputs.ts";
import { getReturnStore } from "./get-return-store.ts";
import { RETURN_POLICIES, type ReturnPolicy, type ReturnStore } from "./types.ts";

export const returnPolicySchema = z.enum(RETURN_POLICIES as [ReturnPolicy, ...ReturnPolicy[]], {
  error: `must be one of ${RETURN_POLICIES.join(", ")}`,
});

/** The shop's return policy (`ask` until an operator sets one), who set it and when. */
export async function getShopReturnPolicy(options: {
  shopId: string;
  store?: ReturnStore;
}): Promise<{ policy: ReturnPolicy; updatedBy: string | null; updatedAt: Date | null }> {
  const shopId = parseShopId(options.shopId);
  return (options.store ?? getReturnStore()).getPolicy({ shopId });
}

/** Sets what refunds do to the shop's stock from the next refund on (returns already recorded keep their status). */
export async function setShopReturnPolicy(options: {
  shopId: string;
  policy: unknown;
  actor: string;
  now?: Date;
  store?: ReturnStore;
}): Promise<{ policy: ReturnPolicy; updatedBy: string; updatedAt: Date }> {
  const shopId = parseShopId(options.shopId);
  const policy = parseOrThrow(returnPolicySchema, options.policy, "policy");
  const now = options.now ?? new Date();
  await (options.store ?? getReturnStore()).setPolicy({ shopId, policy, actor: options.actor, now });
  return { policy, updatedBy: options.actor, updatedAt: now };
}
