"use client";
import { useRouter } from "next/navigation";
import { setLineQuantity } from "@/cart/cart-client.ts";

/** Brings lines to what is in stock in one click (0 removes a line). */
export function FitCartButton({
  fixes,
  label,
}: {
  fixes: Array<{ sku: string; variantKey: string; quantity: number }>;
  label: string;
}) {
  const router = useRouter();
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => {
        for (const fix of fixes) setLineQuantity(fix.sku, fix.variantKey, fix.quantity);
        router.refresh();
      }}
    >
      {label}
    </button>
  );
}
