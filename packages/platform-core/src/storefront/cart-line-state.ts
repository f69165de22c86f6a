import type { ResolvedCartLine } from "./resolve-cart.ts";

/**
 * What the shop can sell of a cart line right now. A line counts in the
 * total at the units the shop can sell (capped at what is available; a
 * sold-out line counts nothing), and checkout waits until the buyer has
 * brought every line to what is in stock (`cartFixes`).
 */
export interface CartLineState {
  status: "ok" | "short" | "sold_out";
  /** Units that can be bought now: min(quantity, available), 0 when sold out or not sold here. */
  sellable: number;
}

export interface CartLineWithState {
  line: ResolvedCartLine;
  state: CartLineState;
}

export function cartLineState(line: ResolvedCartLine): CartLineState {
  const sellable = line.unitAmount === null ? 0 : Math.min(line.quantity, line.available);
  if (sellable === 0) return { status: "sold_out", sellable };
  return { status: sellable < line.quantity ? "short" : "ok", sellable };
}

/** Each line with what the shop can sell of it, computed once per render. */
export function cartLineStates(lines: ResolvedCartLine[]): CartLineWithState[] {
  return lines.map((line) => ({ line, state: cartLineState(line) }));
}

/** The cart's total over what can be bought now, in minor units. */
export function sellableTotal(entries: CartLineWithState[]): number {
  return entries.reduce((sum, { line, state }) => sum + (line.unitAmount ?? 0) * state.sellable, 0);
}

/** The quantities that bring a cart to what is in stock (0 removes the line). */
export function cartFixes(entries: CartLineWithState[]): Array<{ sku: string; variantKey: string; quantity: number }> {
  return entries
    .filter(({ state }) => state.status !== "ok")
    .map(({ line, state }) => ({ sku: line.sku, variantKey: line.variantKey, quantity: state.sellable }));
}
