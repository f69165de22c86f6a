/** The flash sale's one hot variant, and the baselines' own fresh hot variants. */
export const HOT_SKU = "HOT";
/**
 * The caps' cost: the sale four more times on fresh hot variants, unnamed,
 * named, named, unnamed (every buyer named by address and buyer cookie, so
 * the shop's caps are checked), so neither side gains from going later.
 */
export const CAPS_COST_RUNS = [
  { sku: "HOT-PLAIN-1", clients: false },
  { sku: "HOT-CAPS-1", clients: true },
  { sku: "HOT-CAPS-2", clients: true },
  { sku: "HOT-PLAIN-2", clients: false },
] as const;
export const BASELINE_SEED_SKU = "BASE-SEED-HOT";
export const BASELINE_FLOOR_SKU = "BASE-FLOOR-HOT";

/** `COLD-0000` .. `COLD-0999`. */
export function coldSku(index: number): string {
  return `COLD-${String(index).padStart(4, "0")}`;
}
