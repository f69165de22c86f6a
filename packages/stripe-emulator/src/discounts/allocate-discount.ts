/**
 * Spreads a session-level discount over its line items in proportion to each
 * line's amount, in whole minor units that add up exactly to the discount
 * (largest remainders get the leftover units; ties go to the earlier line).
 * Stripe reports each line's share as `amount_discount`.
 */
export function allocateDiscount(lineAmounts: readonly number[], discount: number): number[] {
  const subtotal = lineAmounts.reduce((sum, amount) => sum + amount, 0);
  if (discount <= 0 || subtotal <= 0) return lineAmounts.map(() => 0);
  const capped = Math.min(discount, subtotal);
  const exact = lineAmounts.map((amount) => (amount * capped) / subtotal);
  const shares = exact.map((share) => Math.floor(share));
  let left = capped - shares.reduce((sum, share) => sum + share, 0);
  const byRemainder = exact
    .map((share, index) => ({ index, remainder: share - Math.floor(share) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left === 0) break;
    shares[index] = (shares[index] as number) + 1;
    left -= 1;
  }
  return shares;
}
