import { compareRefs, MAX_QUANTITY, refId } from "../inventory/types.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { cleanVariantAttributes, variantKey, type VariantAttributes } from "../variants/variant-key.ts";
import { parseCart } from "./cart.ts";

/** Stock wanted for one variant. */
export interface InventoryRequest {
  sku: string;
  variantKey: string;
  variantAttributes: VariantAttributes;
  productId?: string;
  quantity: number;
}

/**
 * Turns a cart into one request per variant: lines of the same variant (in any
 * attribute order or case) are summed. Output is sorted by sku and variant key,
 * the order in which stock rows are locked.
 */
export function cartToInventoryRequests(cart: unknown): InventoryRequest[] {
  const { lines } = parseCart(cart);
  const merged = new Map<string, InventoryRequest>();
  for (const line of lines) {
    const key = variantKey(line.variantAttributes);
    const id = refId({ sku: line.sku, variantKey: key });
    const existing = merged.get(id);
    if (existing) {
      existing.quantity += line.quantity;
      if (existing.quantity > MAX_QUANTITY) {
        throw InventoryError.validation([{ field: "lines", message: `total quantity of ${line.sku} is too large` }]);
      }
      existing.productId ??= line.productId;
    } else {
      merged.set(id, {
        sku: line.sku,
        variantKey: key,
        variantAttributes: cleanVariantAttributes(line.variantAttributes),
        ...(line.productId === undefined ? {} : { productId: line.productId }),
        quantity: line.quantity,
      });
    }
  }
  return [...merged.values()].sort(compareRefs);
}
