"use client";
import {
  CART_LINE_MAX_QUANTITY,
  CART_MAX_LINES,
  decodeCartCookie,
  encodeCartCookie,
  type CartCookieLine,
} from "@acme/platform-core/universal";
import { CART_COOKIE } from "./cart-cookie-name.ts";

const THIRTY_DAYS = 60 * 60 * 24 * 30;

function readCart(): CartCookieLine[] {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${CART_COOKIE}=`));
  return decodeCartCookie(entry?.slice(CART_COOKIE.length + 1));
}

function writeCart(lines: CartCookieLine[]): void {
  const value = lines.length ? encodeCartCookie(lines) : "";
  document.cookie = `${CART_COOKIE}=${value}; Path=/; Max-Age=${lines.length ? THIRTY_DAYS : 0}; SameSite=Lax`;
}

/** Adds units of a variant, merged into its line when the cart has one. False when the cart is full. */
export function addToCart(line: CartCookieLine): boolean {
  const lines = readCart();
  const existing = lines.find((entry) => entry.sku === line.sku && entry.variantKey === line.variantKey);
  if (existing) existing.quantity = Math.min(existing.quantity + line.quantity, CART_LINE_MAX_QUANTITY);
  else if (lines.length >= CART_MAX_LINES) return false;
  else lines.push(line);
  writeCart(lines);
  return true;
}

/** Sets a line's quantity; 0 removes the line. */
export function setLineQuantity(sku: string, variantKey: string, quantity: number): void {
  writeCart(
    readCart()
      .map((line) => (line.sku === sku && line.variantKey === variantKey ? { ...line, quantity } : line))
      .filter((line) => line.quantity > 0),
  );
}

export function clearCart(): void {
  writeCart([]);
}
