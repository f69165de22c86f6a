"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { clearCart } from "@/cart/cart-client.ts";

/** Empties the cart once the order is paid, and the header's count with it. */
export function ClearCart() {
  const router = useRouter();
  useEffect(() => {
    clearCart();
    router.refresh();
  }, [router]);
  return null;
}
