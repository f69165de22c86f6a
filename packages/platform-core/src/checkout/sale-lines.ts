import type { HoldLine } from "../holds/types.ts";

// Validate-only checkouts reserve nothing, so the lines to sell when payment
// succeeds travel in the session's metadata (set by us at creation, returned
// by Stripe in signed events). Stripe allows 50 keys of at most 500 characters,
// so the list is split across `inventory_lines_0`, `inventory_lines_1`, ...
const MAX_METADATA_VALUE = 500;
const MAX_CHUNKS = 40;
const PREFIX = "inventory_lines_";

/** Metadata entries for the lines (`sku~variantKey~qty;...`, components URI-encoded), or undefined if too long. */
export function encodeSaleLines(lines: Array<{ sku: string; variantKey: string; quantity: number }>): Record<string, string> | undefined {
  const encoded = lines
    .map((line) => [encodeURIComponent(line.sku), encodeURIComponent(line.variantKey), String(line.quantity)].join("~"))
    .join(";");
  const chunks = Math.ceil(encoded.length / MAX_METADATA_VALUE);
  if (chunks > MAX_CHUNKS) return undefined;
  const metadata: Record<string, string> = {};
  for (let i = 0; i < chunks; i++) metadata[`${PREFIX}${i}`] = encoded.slice(i * MAX_METADATA_VALUE, (i + 1) * MAX_METADATA_VALUE);
  return metadata;
}

/** The inverse of `encodeSaleLines`; undefined when absent or malformed. */
export function decodeSaleLines(metadata: Record<string, string> | null | undefined): HoldLine[] | undefined {
  if (!metadata || metadata[`${PREFIX}0`] === undefined) return undefined;
  let encoded = "";
  for (let i = 0; metadata[`${PREFIX}${i}`] !== undefined; i++) encoded += metadata[`${PREFIX}${i}`];
  const lines: HoldLine[] = [];
  for (const part of encoded.split(";")) {
    const [sku, key, quantity] = part.split("~");
    const amount = Number(quantity);
    if (!sku || key === undefined || !Number.isSafeInteger(amount) || amount < 1) return undefined;
    try {
      lines.push({ sku: decodeURIComponent(sku), variantKey: decodeURIComponent(key), quantity: amount });
    } catch {
      return undefined;
    }
  }
  return lines.sort((a, b) => (a.sku === b.sku ? (a.variantKey < b.variantKey ? -1 : 1) : a.sku < b.sku ? -1 : 1));
}
