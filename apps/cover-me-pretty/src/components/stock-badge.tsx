import { isLowStock } from "@/catalogue/variant-display.ts";

/** "Sold out", "Only N left" or "In stock", from live availability. */
export function StockBadge({ available, lowStockThreshold }: { available: number; lowStockThreshold: number | null }) {
  if (available <= 0) return <span className="badge out">Sold out</span>;
  if (isLowStock({ available, lowStockThreshold })) return <span className="badge low">Only {available} left</span>;
  return <span className="badge ok">In stock</span>;
}
