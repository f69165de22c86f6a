"use client";
import { CART_COOKIE, parseCartCookie, serialiseCart, type CartLine } from "./cart-cookie.ts";

function readCart(): CartLine[] {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${CART_COOKIE}=`));
  return parseCartCookie(entry?.slice(CART_COOKIE.length + 1));
}

export function writeCart(lines: CartLine[]): void {
  const value = lines.length ? serialiseCart(lines) : "";
  const maxAge = lines.length ? 60 * 60 * 24 * 30 : 0;
  document.cookie = `${CART_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; SameSite=Lax`;
}

/** Adds units of a variant (merging with a line already in the cart). */
export function addToCart(line: CartLine): void {
  const lines = readCart();
  const existing = lines.find((entry) => entry.sku === line.sku && entry.variantKey === line.variantKey);
  if (existing) existing.quantity = Math.min(99, existing.quantity + line.quantity);
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
