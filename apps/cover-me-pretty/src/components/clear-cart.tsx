"use client";
import { useEffect } from "react";
import { clearCart } from "@/cart/cart-client.ts";

/** Empties the cart once the order is paid. */
export function ClearCart() {
  useEffect(() => clearCart(), []);
  return null;
}
