"use client";
import { useRouter } from "next/navigation";
import { setLineQuantity } from "@/cart/cart-client.ts";

/** Sets cart lines to the given quantities (0 removes a line) and re-renders the cart. */
export function FixCart({
  fixes,
  label,
  secondary = false,
}: {
  fixes: Array<{ sku: string; variantKey: string; quantity: number }>;
  label: string;
  secondary?: boolean;
}) {
  const router = useRouter();
  return (
    <button
      type="button"
      className={secondary ? "secondary" : undefined}
      onClick={() => {
        for (const fix of fixes) setLineQuantity(fix.sku, fix.variantKey, fix.quantity);
        router.refresh();
      }}
    >
      {label}
    </button>
  );
}
