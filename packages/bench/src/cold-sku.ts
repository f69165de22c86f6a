/** The flash sale's one hot variant, and the baselines' own fresh hot variants. */
export const HOT_SKU = "HOT";
/** The same sale again with every buyer named (address and buyer cookie), so the shop's caps are checked: their cost. */
export const HOT_CAPS_SKU = "HOT-CAPS";
export const BASELINE_SEED_SKU = "BASE-SEED-HOT";
export const BASELINE_FLOOR_SKU = "BASE-FLOOR-HOT";

/** `COLD-0000` .. `COLD-0999`. */
export function coldSku(index: number): string {
  return `COLD-${String(index).padStart(4, "0")}`;
}
