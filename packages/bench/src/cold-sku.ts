/** The flash sale's one hot variant, and the baselines' own fresh hot variants. */
export const HOT_SKU = "HOT";
export const BASELINE_SEED_SKU = "BASE-SEED-HOT";
export const BASELINE_FLOOR_SKU = "BASE-FLOOR-HOT";

/** `COLD-0000` .. `COLD-0999`. */
export function coldSku(index: number): string {
  return `COLD-${String(index).padStart(4, "0")}`;
}
