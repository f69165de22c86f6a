"use client";
import { createCookieCart } from "@acme/platform-core/universal";
import { CART_COOKIE } from "./cart-cookie-name.ts";

const cart = createCookieCart(CART_COOKIE);

/** Adds units of a variant, merged into its line when the cart has one. False when the cart is full. */
export const addToCart = cart.add;
/** Sets a line's quantity; 0 removes the line. */
export const setLineQuantity = cart.setQuantity;
export const clearCart = cart.clear;
