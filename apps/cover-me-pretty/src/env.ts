import { z } from "zod";

const shopEnvSchema = z.object({
  /** Which shop's stock this storefront sells (its id in the inventory store). */
  SHOP_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
    .default("cover-me-pretty"),
  /** Public origin of the shop, for Stripe's return URLs. Unset: the request's own origin. */
  SHOP_PUBLIC_URL: z
    .string()
    .optional()
    .transform((value) => (value?.trim() ? value.trim().replace(/\/+$/, "") : undefined))
    .pipe(z.url().optional()),
});

export type ShopEnv = z.infer<typeof shopEnvSchema>;

let cached: ShopEnv | undefined;

/**
 * The storefront's own settings. Inventory, Stripe and database settings are
 * the library's (`getEnv()` from @acme/platform-core); this reads only the shop's.
 */
export function getShopEnv(): ShopEnv {
  cached ??= shopEnvSchema.parse(process.env);
  return cached;
}
