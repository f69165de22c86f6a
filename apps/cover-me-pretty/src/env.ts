import { clientIpHeaderSchema, getEnv, InventoryError } from "@acme/platform-core";
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
  /**
   * The header your proxy or platform sets to the client's address (e.g.
   * `x-real-ip`, or `x-forwarded-for` behind a proxy that appends to it; its
   * right-most entry is read). Caps on holds count a client by this address
   * and by its buyer cookie. Unset: by the buyer cookie only, since a header
   * no trusted proxy sets is the client's own to forge.
   */
  SHOP_CLIENT_IP_HEADER: clientIpHeaderSchema,
  /**
   * Keys the client hashes and signs buyer cookies and checkout links; every
   * instance of the shop must share it (at least 32 characters). Required in
   * production; development uses a fixed, public one.
   */
  /**
   * Lets buyers enter a promotion code on Stripe's page (`allow_promotion_codes`);
   * a 100%-off code makes a no-cost order, which is sold like a paid one.
   */
  SHOP_ALLOW_PROMOTION_CODES: z
    .enum(["0", "1", "true", "false", ""])
    .optional()
    .transform((value) => value === "1" || value === "true"),
  SHOP_CLIENT_SECRET: z
    .string()
    .optional()
    .transform((value) => value || undefined)
    .pipe(z.string().min(32, "must be at least 32 characters").optional()),
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

/** Development's client secret: public, so never used in production. */
const DEVELOPMENT_CLIENT_SECRET = "development-only-shop-client-secret-not-for-production";

/**
 * The secret for client hashes, buyer cookies and checkout links. Without
 * one, a production shop refuses checkouts (misconfigured) rather than let
 * each instance count clients its own way.
 */
export function shopClientSecret(): string {
  const secret = getShopEnv().SHOP_CLIENT_SECRET;
  if (secret) return secret;
  if (getEnv().NODE_ENV === "production") {
    throw new InventoryError("misconfigured", "SHOP_CLIENT_SECRET is not set: the shop cannot identify buyers for its hold caps.");
  }
  return DEVELOPMENT_CLIENT_SECRET;
}
