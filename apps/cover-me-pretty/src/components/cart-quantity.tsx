"use client";
import { useRouter } from "next/navigation";
import { LINE_STEPPER_MAX, setLineQuantity } from "@/cart/cart-client.ts";

export function CartQuantity({ sku, variantKey, quantity }: { sku: string; variantKey: string; quantity: number }) {
  const router = useRouter();
  return (
    <span>
      <input
        type="number"
        aria-label="Quantity"
        min={1}
        max={LINE_STEPPER_MAX}
        defaultValue={quantity}
        onChange={(event) => {
          const value = Math.floor(Number(event.target.value));
          if (value >= 1 && value <= LINE_STEPPER_MAX) {
            setLineQuantity(sku, variantKey, value);
            router.refresh();
          }
        }}
      />{" "}
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setLineQuantity(sku, variantKey, 0);
          router.refresh();
        }}
      >
        Remove
      </button>
    </span>
  );
}
