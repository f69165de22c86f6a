import { createHash, randomBytes } from "node:crypto";

/** Every integration token starts with this, so a leaked one is recognisable (and scannable). */
export const TOKEN_PREFIX = "acme_int_";

/** `acme_int_` and 32 random bytes in base64url (43 characters). */
export const TOKEN_PATTERN = /^acme_int_[A-Za-z0-9_-]{43}$/;

/** How much of a token the CMS shows to tell tokens apart. */
const SHOWN_LENGTH = TOKEN_PREFIX.length + 4;

export function generateIntegrationToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** What is stored instead of the token: its SHA-256 in hex. 256 random bits need no slow hash. */
export function hashIntegrationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenPrefixOf(token: string): string {
  return token.slice(0, SHOWN_LENGTH);
}
