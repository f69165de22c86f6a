"use client";
import { decodeCartCookie, encodeCartCookie, type CartCookieLine } from "@acme/platform-core/universal";
import { CART_COOKIE } from "./cart-cookie-name.ts";

/** Most units of one variant the cart's steppers offer. */
export const LINE_STEPPER_MAX = 99;

function readCart(): CartCookieLine[] {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${CART_COOKIE}=`));
  return decodeCartCookie(entry?.slice(CART_COOKIE.length + 1));
}

export function writeCart(lines: CartCookieLine[]): void {
  const value = lines.length ? encodeCartCookie(lines) : "";
  const maxAge = lines.length ? 60 * 60 * 24 * 30 : 0;
  document.cookie = `${CART_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; SameSite=Lax`;
}

/** Adds units of a variant (merging with a line already in the cart). */
export function addToCart(line: CartCookieLine): void {
  const lines = readCart();
  const existing = lines.find((entry) => entry.sku === line.sku && entry.variantKey === line.variantKey);
  if (existing) existing.quantity = Math.min(LINE_STEPPER_MAX, existing.quantity + line.quantity);
  else lines.push(line);
  writeCart(lines);
}

export function setLineQuantity(sku: string, variantKey: string, quantity: number): void {
  const lines = readCart()
    .map((line) => (line.sku === sku && line.variantKey === variantKey ? { ...line, quantity } : line))
    .filter((line) => line.quantity > 0);
  writeCart(lines);
}

export function clearCart(): void {
  writeCart([]);
}
