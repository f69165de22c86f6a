/** What a shop's catalogue says of a product: the name buyers see and the price of one unit. */
export interface CatalogueEntry {
  name: string;
  /** Price of one unit in the currency's minor unit (cents). */
  unitAmount: number;
}

/**
 * A shop's merchandising, keyed by the `productId` the inventory store keeps
 * with each variant. Stock and variants come from the store; a product the
 * store stocks but the catalogue does not describe is not sold (it has no price).
 */
export interface ShopCatalogue<P extends CatalogueEntry = CatalogueEntry> {
  /** Lower-case ISO currency code of every price, e.g. "usd". */
  currency: string;
  product(productId: string): P | undefined;
}

/** One shop as the storefront helpers and route handlers see it. */
export interface Storefront<P extends CatalogueEntry = CatalogueEntry> {
  /** The shop whose stock is sold (its id in the inventory store). */
  shopId: string;
  catalogue: ShopCatalogue<P>;
}
