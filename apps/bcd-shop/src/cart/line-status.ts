/** The fields of a resolved cart line (`resolveCart`) that say what can be sold of it. */
interface PricedLine {
  sku: string;
  variantKey: string;
  quantity: number;
  unitAmount: number | null;
  available: number;
}

/**
 * What the shop can sell of a line right now: all of it ("ok"), part
 * ("short"), or nothing ("sold_out", also for a line the shop does not sell).
 * The total counts only what can be sold; checkout waits until every line is ok.
 */
export function lineStatus(line: PricedLine): { status: "ok" | "short" | "sold_out"; sellable: number } {
  const sellable = line.unitAmount === null ? 0 : Math.max(0, Math.min(line.quantity, line.available));
  return { status: sellable === 0 ? "sold_out" : sellable < line.quantity ? "short" : "ok", sellable };
}
