import { shopIdFromEnv, type Storefront } from "@acme/platform-core";
import { catalogueProduct, CURRENCY, type CatalogueProduct } from "./catalogue/catalogue.ts";

/** This app as the library's storefront helpers and route handlers see it. */
export const storefront: Storefront<CatalogueProduct> = {
  shopId: shopIdFromEnv("cover-me-pretty"),
  catalogue: { currency: CURRENCY, product: catalogueProduct },
};
