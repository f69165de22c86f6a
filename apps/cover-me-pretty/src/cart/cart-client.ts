"use client";
import { createCookieCart } from "@acme/platform-core/universal";
import { CART_COOKIE } from "./cart-cookie-name.ts";

/** Most units of one variant the cart's steppers offer. */
export const LINE_STEPPER_MAX = 99;

const cart = createCookieCart(CART_COOKIE, { maxLineQuantity: LINE_STEPPER_MAX });

/** Adds units of a variant (merged into its line); false when the cart is full. */
export const addToCart = cart.add;
export const setLineQuantity = cart.setQuantity;
export const clearCart = cart.clear;
