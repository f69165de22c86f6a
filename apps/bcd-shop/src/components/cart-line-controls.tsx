"use client";
import { useRouter } from "next/navigation";
import { setLineQuantity } from "@/cart/cart-client.ts";
import { QuantityStepper } from "./quantity-stepper.tsx";

/** A cart line's quantity and its Remove, written to the cart cookie and re-rendered from the server. */
export function CartLineControls({
  sku,
  variantKey,
  quantity,
  max,
}: {
  sku: string;
  variantKey: string;
  quantity: number;
  max: number;
}) {
  const router = useRouter();
  const set = (next: number) => {
    setLineQuantity(sku, variantKey, next);
    router.refresh();
  };
  return (
    <div className="line-controls">
      <QuantityStepper value={quantity} max={Math.max(max, quantity)} onChange={set} />
      <button type="button" className="link" onClick={() => set(0)}>
        Remove
      </button>
    </div>
  );
}
