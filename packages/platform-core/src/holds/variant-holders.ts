import { z } from "zod";
import { parseOrThrow, parseShopId, skuSchema, variantKeySchema } from "../inventory/inputs.ts";
import { getHoldStore } from "./get-hold-store.ts";
import type { HoldStore, VariantHolder } from "./types.ts";

const clientSchema = z.object({
  client: z.enum(["address", "buyer"], { error: "must be address or buyer" }),
  key: z.string().regex(/^[0-9a-f]{32}$/, "must be a client key as the holders list shows it"),
});

/**
 * Who holds a variant right now: each client (by hashed address and by
 * hashed buyer cookie, so one hold shows under both) with its active holds,
 * units and the age of its oldest hold, most units first.
 */
export async function listVariantHolders(options: {
  shopId: string;
  sku: string;
  variantKey?: string;
  limit?: number;
  now?: Date;
  store?: HoldStore;
}): Promise<VariantHolder[]> {
  const shopId = parseShopId(options.shopId);
  const sku = parseOrThrow(skuSchema, options.sku, "sku");
  const variantKey = parseOrThrow(variantKeySchema, options.variantKey ?? "", "variantKey");
  const limit = parseOrThrow(z.number().int().min(1).max(1000), options.limit ?? 20, "limit");
  return (options.store ?? getHoldStore()).listVariantHolders({
    shopId,
    sku,
    variantKey,
    limit,
    now: options.now ?? new Date(),
  });
}

/**
 * An operator releases every active hold of one client: the units become
 * available at once, and each line is written to the ledger as a
 * `hold_release` by the operator. Releasing a client with no holds changes nothing.
 */
export async function releaseClientHolds(options: {
  shopId: string;
  client: unknown;
  key: unknown;
  actor: string;
  now?: Date;
  store?: HoldStore;
}): Promise<{ holdIds: string[]; units: number }> {
  const shopId = parseShopId(options.shopId);
  const { client, key } = parseOrThrow(clientSchema, { client: options.client, key: options.key });
  return (options.store ?? getHoldStore()).releaseClientHolds({
    shopId,
    client,
    key,
    actor: options.actor,
    now: options.now ?? new Date(),
  });
}
