import type { Storefront } from "@acme/platform-core";
import { catalogue } from "./catalogue/catalogue.ts";
import { getBcdEnv } from "./env.ts";

/** This shop as the library's storefront helpers and route handlers see it. */
export const storefront: Storefront = {
  shopId: getBcdEnv().SHOP_ID,
  catalogue,
};
