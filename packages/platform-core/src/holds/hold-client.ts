import { createHmac } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { InventoryError } from "../errors/inventory-error.ts";
import type { HoldClient } from "./types.ts";

/** A client key as stored on a hold: 32 hex digits of a keyed hash. */
const clientKeySchema = z.string().regex(/^[0-9a-f]{32}$/, "must be a client key from identifyHoldClient");

export const holdClientSchema = z
  .object({ address: clientKeySchema.optional(), buyer: clientKeySchema.optional() })
  .strict();

/** Shortest secret accepted for keying client hashes and signing buyer cookies and checkout links. */
export const CLIENT_SECRET_MIN_LENGTH = 32;

function keyed(secret: string, purpose: string, value: string): string {
  return createHmac("sha256", secret).update(`${purpose}\u0000${value}`).digest("hex").slice(0, 32);
}

/**
 * The part of a network address that names one client: an IPv4 address
 * whole, an IPv6 address by its /64 (one subscriber gets a whole /64, so
 * its 2^64 addresses are one client), an IPv4-mapped IPv6 address as the
 * IPv4 one. Anything else (a header a proxy did not set, garbage): undefined.
 */
export function clientAddressPrefix(raw: string): string | undefined {
  let value = raw.trim();
  if (value.startsWith("[") && value.includes("]")) value = value.slice(1, value.indexOf("]"));
  const zone = value.indexOf("%");
  if (zone >= 0) value = value.slice(0, zone);
  if (isIPv4(value)) return value;
  if (!isIPv6(value)) {
    // "203.0.113.7:51234": an IPv4 address with a port.
    const hostPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value);
    return hostPort && isIPv4(hostPort[1]!) ? hostPort[1] : undefined;
  }
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(value);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1];
  return `${expandIPv6(value).slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address, four lower-case hex digits each. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing IPv4 part ("64:ff9b::192.0.2.1") as two groups.
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.map((group) => group.padStart(4, "0"));
}

/**
 * Who asks for a hold, as caps and purchase limits count it: keyed hashes of
 * the client's address (see `clientAddressPrefix`) and of its buyer id (from
 * the shop's signed buyer cookie). The raw values are never stored. Shops
 * of one deployment must share `secret`, or one client is many.
 */
export function identifyHoldClient(options: {
  address?: string | null;
  buyerId?: string | null;
  secret: string;
}): HoldClient {
  if (options.secret.length < CLIENT_SECRET_MIN_LENGTH) {
    throw new InventoryError(
      "misconfigured",
      `The client secret must be at least ${CLIENT_SECRET_MIN_LENGTH} characters.`,
    );
  }
  const prefix = options.address ? clientAddressPrefix(options.address) : undefined;
  return {
    ...(prefix ? { address: keyed(options.secret, "address", prefix) } : {}),
    ...(options.buyerId ? { buyer: keyed(options.secret, "buyer", options.buyerId) } : {}),
  };
}
