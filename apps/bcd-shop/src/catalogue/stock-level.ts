// No server imports: the product page's client picker shows stock too.

/** "Last N" when a variant is at or under its low-stock threshold (3 when it has none). */
export function isLowStock({ available, lowStockThreshold }: { available: number; lowStockThreshold: number | null }): boolean {
  return available > 0 && available <= (lowStockThreshold ?? 3);
}
