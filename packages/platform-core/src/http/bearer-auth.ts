import { createHash, timingSafeEqual } from "node:crypto";
import { InventoryError } from "../errors/inventory-error.ts";

/** Compares two secrets in time independent of where they differ (and of their lengths). */
export function secretsEqual(given: string, expected: string): boolean {
  // Hashing first gives equal-length buffers, so the length is not leaked either.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/**
 * Requires `Authorization: Bearer <secret>`. An unset secret refuses every
 * request (`misconfigured`, never open); a missing or wrong one is `unauthorized`.
 */
export function requireBearer(request: Request, secret: string | undefined, name: string): void {
  if (!secret) throw new InventoryError("misconfigured", `${name} is not set, so this endpoint refuses every request.`);
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1] || !secretsEqual(match[1].trim(), secret)) {
    throw new InventoryError("unauthorized", "Missing or wrong bearer token.");
  }
}
