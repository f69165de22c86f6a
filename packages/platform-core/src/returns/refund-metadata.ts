import { z } from "zod";
import { skuSchema, variantKeySchema } from "../inventory/inputs.ts";
import { MAX_QUANTITY } from "../inventory/types.ts";

/**
 * The refund metadata key that names the units a refund returns: JSON
 * `[[sku, variantKey, quantity], ...]` (`[]`: no units, e.g. a shipping
 * refund). Set it when creating the refund (Dashboard or API):
 * `metadata[acme_restock]=[["TEE-1","color=red|size=m",1]]`.
 */
export const RESTOCK_METADATA_KEY = "acme_restock";

const restockSchema = z.array(z.tuple([skuSchema, variantKeySchema, z.number().int().min(1).max(MAX_QUANTITY)]));

export type RestockRequest =
  | { kind: "absent" }
  | { kind: "lines"; lines: Array<{ sku: string; variantKey: string; quantity: number }> }
  | { kind: "unreadable"; reason: string };

/** The units a refund's metadata names, if it names any. */
export function readRestockMetadata(metadata: Record<string, string> | null | undefined): RestockRequest {
  const raw = metadata?.[RESTOCK_METADATA_KEY];
  if (raw === undefined) return { kind: "absent" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: "unreadable", reason: `${RESTOCK_METADATA_KEY} is not JSON` };
  }
  const parsed = restockSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: "unreadable",
      reason: `${RESTOCK_METADATA_KEY}${issue?.path.length ? `[${issue.path.join("][")}]` : ""}: ${issue?.message ?? "invalid"} (expected [[sku, variantKey, quantity], ...])`,
    };
  }
  return { kind: "lines", lines: parsed.data.map(([sku, variantKey, quantity]) => ({ sku, variantKey, quantity })) };
}
