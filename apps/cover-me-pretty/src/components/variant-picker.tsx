"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { addToCart, LINE_STEPPER_MAX } from "@/cart/cart-client.ts";
import type { ShopVariant } from "@/catalogue/variant-display.ts";
import { StockBadge } from "./stock-badge.tsx";

export interface PickerVariant extends ShopVariant {
  label: string;
  swatch: string | null;
}

export function VariantPicker({ productName, variants }: { productName: string; variants: PickerVariant[] }) {
  const router = useRouter();
  const firstAvailable = variants.find((variant) => variant.available > 0);
  const [selected, setSelected] = useState<string | undefined>(
    firstAvailable ? `${firstAvailable.sku}|${firstAvailable.variantKey}` : undefined,
  );
  const [quantity, setQuantity] = useState(1);
  const [full, setFull] = useState(false);
  const variant = variants.find((entry) => `${entry.sku}|${entry.variantKey}` === selected);
  const max = Math.min(variant?.available ?? 0, variant?.purchaseLimit ?? LINE_STEPPER_MAX, LINE_STEPPER_MAX);

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (!variant || max < 1) return;
        if (!addToCart({ sku: variant.sku, variantKey: variant.variantKey, quantity: Math.min(quantity, max) })) {
          setFull(true);
          return;
        }
        router.push("/cart");
        router.refresh();
      }}
    >
      <fieldset className="variants" aria-label={`${productName} variants`}>
        {variants.map((entry) => {
          const id = `${entry.sku}|${entry.variantKey}`;
          const soldOut = entry.available <= 0;
          return (
            <label
              key={id}
              className={`variant${soldOut ? " disabled" : ""}`}
              data-sku={entry.sku}
              data-variant-key={entry.variantKey}
            >
              <input
                type="radio"
                name="variant"
                value={id}
                disabled={soldOut}
                checked={selected === id}
                onChange={() => {
                  setSelected(id);
                  setQuantity(1);
                }}
              />
              {entry.swatch ? <span className="swatch" style={{ background: entry.swatch }} /> : null}
              <span>{entry.label}</span>
              <span className="state">
                <StockBadge available={entry.available} lowStockThreshold={entry.lowStockThreshold} />
              </span>
            </label>
          );
        })}
      </fieldset>
      <p>
        <label>
          Quantity{" "}
          <input
            type="number"
            name="quantity"
            min={1}
            max={Math.max(max, 1)}
            value={quantity}
            onChange={(event) => setQuantity(Math.max(1, Math.floor(Number(event.target.value) || 1)))}
          />
        </label>
        {variant?.purchaseLimit ? (
          <span className="muted limit"> Limit {variant.purchaseLimit} per customer</span>
        ) : null}
      </p>
      <button type="submit" disabled={!variant || max < 1}>
        {variant ? "Add to cart" : "Sold out"}
      </button>
      {full ? (
        <div className="alert error" role="alert">
          Your cart is full. Check out or remove something first.
        </div>
      ) : null}
    </form>
  );
}
