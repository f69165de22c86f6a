import type { InventoryItem } from "@acme/platform-core";
import { refId } from "@acme/platform-core/universal";
import { getStores } from "@/lib/stores";
import { toGridLevel, type GridLevel } from "@/components/grid-types";

/** The items with their stock at each location (one read for all of them). */
export async function withLevels(
  shopId: string,
  items: InventoryItem[],
): Promise<Array<InventoryItem & { levels: GridLevel[] }>> {
  if (items.length === 0) return [];
  const levels = await getStores().locations.listLevels(shopId, {
    refs: items.map(({ sku, variantKey }) => ({ sku, variantKey })),
  });
  const byItem = new Map<string, GridLevel[]>();
  for (const level of levels) {
    const key = refId(level);
    byItem.set(key, [...(byItem.get(key) ?? []), toGridLevel(level)]);
  }
  return items.map((item) => ({ ...item, levels: byItem.get(refId(item)) ?? [] }));
}
