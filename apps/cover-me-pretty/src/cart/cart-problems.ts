import type { ResolvedCartLine } from "./resolve-cart.ts";

/**
 * What the shop can sell of a cart line right now. A line is counted in the
 * total at the units the shop can sell (capped at what is available; a
 * sold-out line counts nothing), and checkout waits until the buyer has
 * brought every line to what is in stock (one click: `fix`).
 */
export interface CartLineState {
  status: "ok" | "short" | "sold_out";
  /** Units that can be bought now: min(quantity, available), 0 when sold out or not sold here. */
  sellable: number;
}

export function cartLineState(line: ResolvedCartLine): CartLineState {
  const sellable = line.unitAmount === null ? 0 : Math.min(line.quantity, line.available);
  if (sellable === 0) return { status: "sold_out", sellable };
  return { status: sellable < line.quantity ? "short" : "ok", sellable };
}

/** The cart's total over what can be bought now, in minor units. */
export function sellableTotal(lines: ResolvedCartLine[]): number {
  return lines.reduce((sum, line) => sum + (line.unitAmount ?? 0) * cartLineState(line).sellable, 0);
}

/** The quantities that bring a cart to what is in stock (0 removes the line). */
export function cartFixes(lines: ResolvedCartLine[]): Array<{ sku: string; variantKey: string; quantity: number }> {
  return lines
    .map((line) => ({ line, state: cartLineState(line) }))
    .filter(({ state }) => state.status !== "ok")
    .map(({ line, state }) => ({ sku: line.sku, variantKey: line.variantKey, quantity: state.sellable }));
}
