import { shopIdSchema } from "@acme/platform-core/universal";
import { z } from "zod";

const bcdEnvSchema = z.object({
  /** Which shop's stock this storefront sells (its id in the inventory store). */
  SHOP_ID: shopIdSchema.default("bcd-shop"),
});

export type BcdEnv = z.infer<typeof bcdEnvSchema>;

let cached: BcdEnv | undefined;

/**
 * This storefront's own setting. Checkout settings (public URL, client
 * secret, promotion codes) are the library's `getStorefrontEnv()`; stock,
 * Stripe and database settings are its `getEnv()`.
 */
export function getBcdEnv(): BcdEnv {
  cached ??= bcdEnvSchema.parse(process.env);
  return cached;
}
