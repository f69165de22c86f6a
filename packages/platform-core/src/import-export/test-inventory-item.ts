import type { InventoryItem } from "../inventory/types.ts";
import { variantKey, type VariantAttributes } from "../variants/variant-key.ts";

/** A stock item for this folder's unit tests; `fields` override the defaults. */
export function testInventoryItem(
  sku: string,
  attributes: VariantAttributes,
  fields: Partial<InventoryItem> = {},
  defaultQuantity = 1,
): InventoryItem {
  const quantity = fields.quantity ?? defaultQuantity;
  const reserved = fields.reserved ?? 0;
  return {
    shopId: "shop",
    sku,
    productId: "p",
    productTitle: "",
    variantTitle: "",
    variantKey: variantKey(attributes),
    variantAttributes: attributes,
    quantity,
    reserved,
    available: quantity - reserved,
    lowStockThreshold: null,
    purchaseLimit: null,
    version: 1,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...fields,
  };
}
