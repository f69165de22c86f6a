import { shopIdFromEnv, type Storefront } from "@acme/platform-core";
import { catalogue, type BcdProduct } from "./catalogue/catalogue.ts";

/** This shop as the library's storefront helpers and route handlers see it: SHOP_ID's stock, or bcd-shop's. */
export const storefront: Storefront<BcdProduct> = {
  shopId: shopIdFromEnv("bcd-shop"),
  catalogue,
};
