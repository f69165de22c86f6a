import { variantTitles, type TitledVariant } from "@acme/platform-core/universal";

/**
 * A variant as operators know it: the product title, the variant title under
 * it and the SKU beside them (titles fall back to the product id and the
 * variant's attributes until someone sets them).
 */
export function ItemName({ item, sku }: { item: TitledVariant; sku: string }) {
  const { product, variant } = variantTitles(item);
  return (
    <span className="item-name">
      <span className="product-title">{product}</span>
      {variant && <span className="variant-title"> · {variant}</span>} <span className="mono sku">{sku}</span>
    </span>
  );
}
