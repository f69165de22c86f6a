import { isLowStock } from "@/catalogue/variant-display.ts";

/** "Sold out", "Last N" or "In stock", from live availability. */
export function StockBadge({ available, lowStockThreshold }: { available: number; lowStockThreshold: number | null }) {
  if (available <= 0) return <span className="stock stock-out">Sold out</span>;
  if (isLowStock({ available, lowStockThreshold })) return <span className="stock stock-low">Last {available}</span>;
  return <span className="stock stock-ok">In stock</span>;
}
