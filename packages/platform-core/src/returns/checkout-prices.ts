import { z } from "zod";
import { skuSchema, variantKeySchema } from "../inventory/inputs.ts";
import { refId } from "../inventory/types.ts";

// The price of one unit of each variant in a checkout travels in the
// session's metadata (set by us at creation, returned by Stripe in the signed
// completion event), so the webhook can record what each sold unit cost
// without asking Stripe: JSON `[[sku, variantKey, unitAmount], ...]`,
// base64url-encoded and split across `inventory_prices_0`, `_1`, ... like the
// sale lines (sale-lines.ts), within the keys Stripe leaves (50 in all, of at
// most 500 characters). A cart too large for them goes without: its paid
// checkout records no unit amounts, and a partial refund of it is left to an
// operator.
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_VALUE = 500;
const PREFIX = "inventory_prices_";

const pricesSchema = z.array(z.tuple([skuSchema, variantKeySchema, z.number().int().min(0).max(99_999_999)]));

/**
 * Metadata entries for the unit amounts of a cart's lines, fitted into the
 * keys `metadata` leaves; undefined when they do not fit. A variant named on
 * two lines at different prices has no single unit amount and is left out.
 */
export function encodeUnitAmounts(
  lines: Array<{ sku: string; variantKey: string; unitAmount: number }>,
  metadata: Record<string, string>,
): Record<string, string> | undefined {
  const prices = new Map<string, [string, string, number] | null>();
  for (const line of lines) {
    const id = refId(line);
    const known = prices.get(id);
    if (known === undefined) prices.set(id, [line.sku, line.variantKey, line.unitAmount]);
    else if (known !== null && known[2] !== line.unitAmount) prices.set(id, null);
  }
  const entries = [...prices.values()].filter((entry): entry is [string, string, number] => entry !== null);
  const encoded = Buffer.from(JSON.stringify(entries)).toString("base64url");
  const chunks = Math.max(1, Math.ceil(encoded.length / MAX_METADATA_VALUE));
  if (chunks > MAX_METADATA_KEYS - Object.keys(metadata).length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < chunks; i++)
    out[`${PREFIX}${i}`] = encoded.slice(i * MAX_METADATA_VALUE, (i + 1) * MAX_METADATA_VALUE);
  return out;
}

/** The unit amounts by variant (`refId`), or undefined when the metadata carries none or they cannot be read. */
export function decodeUnitAmounts(
  metadata: Record<string, string> | null | undefined,
): Map<string, number> | undefined {
  if (metadata?.[`${PREFIX}0`] === undefined) return undefined;
  let encoded = "";
  for (let i = 0; metadata[`${PREFIX}${i}`] !== undefined; i++) encoded += metadata[`${PREFIX}${i}`];
  try {
    const parsed = pricesSchema.parse(JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")));
    return new Map(parsed.map(([sku, variantKey, unitAmount]) => [refId({ sku, variantKey }), unitAmount]));
  } catch {
    return undefined;
  }
}
