import { z } from "zod";
import { getEnv } from "../env.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { clientIpHeaderSchema } from "../http/client-address.ts";
import { shopIdSchema } from "../inventory/inputs.ts";

const storefrontEnvSchema = z.object({
  /** Public origin of the shop, for Stripe's return URLs and the payment link. Unset: the request's own origin. */
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
   * Lets buyers enter a promotion code on Stripe's page (`allow_promotion_codes`);
   * a 100%-off code makes a no-cost order, which is sold like a paid one.
   */
  SHOP_ALLOW_PROMOTION_CODES: z
    .enum(["0", "1", "true", "false", ""])
    .optional()
    .transform((value) => value === "1" || value === "true"),
  /**
   * Keys the client hashes and signs buyer cookies and checkout links; every
   * instance of the shop must share it (at least 32 characters). Required in
   * production; development uses a fixed, public one.
   */
  SHOP_CLIENT_SECRET: z
    .string()
    .optional()
    .transform((value) => value || undefined)
    .pipe(z.string().min(32, "must be at least 32 characters").optional()),
});

export type StorefrontEnv = z.infer<typeof storefrontEnvSchema>;

let cached: StorefrontEnv | undefined;

/**
 * A shop app's own settings (SHOP_*), the same for every shop. Inventory,
 * Stripe and database settings are the library's (`getEnv()`); the shop id
 * is the app's to give (`Storefront.shopId`).
 */
export function getStorefrontEnv(): StorefrontEnv {
  if (!cached) {
    const parsed = storefrontEnvSchema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
      throw new InventoryError("misconfigured", `The shop's settings are invalid (${problems}).`);
    }
    cached = parsed.data;
  }
  return cached;
}

/** Forgets the parsed settings (tests that change process.env). */
export function resetStorefrontEnvCache(): void {
  cached = undefined;
}

/** Development's client secret: public, so never used in production. */
const DEVELOPMENT_CLIENT_SECRET = "development-only-shop-client-secret-not-for-production";

/**
 * The secret for client hashes, buyer cookies and checkout links. Without
 * one, a production shop refuses checkouts (misconfigured) rather than let
 * each instance count clients its own way.
 */
export function storefrontClientSecret(): string {
  const secret = getStorefrontEnv().SHOP_CLIENT_SECRET;
  if (secret) return secret;
  if (getEnv().NODE_ENV === "production") {
    throw new InventoryError(
      "misconfigured",
      "SHOP_CLIENT_SECRET is not set: the shop cannot identify buyers for its hold caps.",
    );
  }
  return DEVELOPMENT_CLIENT_SECRET;
}

/**
 * The shop id a shop app serves: `SHOP_ID` when set, else the app's own
 * default. A malformed id is a configuration error, named.
 */
export function shopIdFromEnv(defaultShopId: string): string {
  const shopId = process.env.SHOP_ID?.trim() || defaultShopId;
  const parsed = shopIdSchema.safeParse(shopId);
  if (!parsed.success)
    throw new InventoryError(
      "misconfigured",
      `SHOP_ID ${JSON.stringify(shopId)} ${parsed.error.issues[0]?.message ?? "is invalid"}.`,
    );
  return parsed.data;
}
