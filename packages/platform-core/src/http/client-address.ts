import { z } from "zod";

/**
 * The setting that names the header a deployment's proxy sets to the
 * client's address (`x-real-ip`, or `x-forwarded-for` behind a proxy that
 * appends to it): a header name, lower-cased; unset or empty, none.
 */
export const clientIpHeaderSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]*$/i, "must be a header name")
  .optional()
  .transform((value) => (value ? value.toLowerCase() : undefined));

/**
 * The client's address from that header: its right-most entry, the one the
 * nearest proxy wrote (entries before it are the client's own to forge).
 * Without a header configured there is no address one can trust: undefined.
 */
export function clientAddressFrom(request: Request, header: string | undefined): string | undefined {
  if (!header) return undefined;
  return request.headers.get(header)?.split(",").pop()?.trim() || undefined;
}
