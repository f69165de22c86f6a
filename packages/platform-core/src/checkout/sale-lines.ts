import { z } from "zod";
import type { HoldLine } from "../holds/types.ts";
import { skuSchema, variantKeySchema } from "../inventory/inputs.ts";
import { compareRefs, MAX_QUANTITY, refId } from "../inventory/types.ts";

// Validate-only checkouts reserve nothing, so the lines to sell when payment
// succeeds travel in the session's metadata (set by us at creation, returned
// by Stripe in signed events): JSON `[[sku, variantKey, quantity], ...]`,
// base64url-encoded so no character of a sku or variant can break it, split
// across `inventory_lines_0`, `inventory_lines_1`, ... because Stripe allows 50
// keys of at most 500 characters.
const MAX_METADATA_VALUE = 500;
const MAX_CHUNKS = 40;
const PREFIX = "inventory_lines_";

const linesSchema = z.array(z.tuple([skuSchema, variantKeySchema, z.number().int().min(1).max(MAX_QUANTITY)])).min(1);

/** Metadata entries for the lines, or undefined if they do not fit. */
export function encodeSaleLines(
  lines: Array<{ sku: string; variantKey: string; quantity: number }>,
): Record<string, string> | undefined {
  const encoded = Buffer.from(JSON.stringify(lines.map((line) => [line.sku, line.variantKey, line.quantity]))).toString(
    "base64url",
  );
  const chunks = Math.ceil(encoded.length / MAX_METADATA_VALUE);
  if (chunks > MAX_CHUNKS) return undefined;
  const metadata: Record<string, string> = {};
  for (let i = 0; i < chunks; i++)
    metadata[`${PREFIX}${i}`] = encoded.slice(i * MAX_METADATA_VALUE, (i + 1) * MAX_METADATA_VALUE);
  return metadata;
}

/** Whether the metadata carries sale lines at all (decodable or not). */
export function hasSaleLines(metadata: Record<string, string> | null | undefined): boolean {
  return metadata?.[`${PREFIX}0`] !== undefined;
}

/**
 * The inverse of `encodeSaleLines`, one line per variant (repeats summed),
 * sorted in lock order; undefined when absent or malformed.
 */
export function decodeSaleLines(metadata: Record<string, string> | null | undefined): HoldLine[] | undefined {
  if (!hasSaleLines(metadata)) return undefined;
  let encoded = "";
  for (let i = 0; metadata![`${PREFIX}${i}`] !== undefined; i++) encoded += metadata![`${PREFIX}${i}`];
  let parsed: z.infer<typeof linesSchema>;
  try {
    parsed = linesSchema.parse(JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")));
  } catch {
    return undefined;
  }
  const merged = new Map<string, HoldLine>();
  for (const [sku, variantKey, quantity] of parsed) {
    const id = refId({ sku, variantKey });
    const line = merged.get(id);
    if (line) line.quantity += quantity;
    else merged.set(id, { sku, variantKey, quantity });
  }
  return [...merged.values()].sort(compareRefs);
}
