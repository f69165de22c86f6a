"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { addToCart } from "@/cart/cart-client.ts";
import type { DisplayVariant } from "@/catalogue/variant-display.ts";
import { QuantityStepper } from "./quantity-stepper.tsx";
import { StockBadge } from "./stock-badge.tsx";

const refOf = (variant: Pick<DisplayVariant, "sku" | "variantKey">) => `${variant.sku}|${variant.variantKey}`;

/** Variant tiles (a sold-out one cannot be picked), a quantity up to what one buyer may take, and Add to cart. */
export function AddToCart({
  productName,
  variants,
  shared,
}: {
  productName: string;
  variants: DisplayVariant[];
  shared: string;
}) {
  const router = useRouter();
  const first = variants.find((variant) => variant.available > 0);
  const [selected, setSelected] = useState(first ? refOf(first) : undefined);
  const [quantity, setQuantity] = useState(1);
  const [full, setFull] = useState(false);
  const variant = variants.find((entry) => refOf(entry) === selected);
  const max = variant ? Math.min(variant.available, variant.purchaseLimit ?? Infinity) : 0;
  const single = variants.length === 1 && variants[0]!.label === "";

  return (
    <form
      className="buy"
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
      {single ? (
        <p className="single-stock" data-sku={variants[0]!.sku} data-variant-key="">
          <StockBadge available={variants[0]!.available} lowStockThreshold={variants[0]!.lowStockThreshold} />
        </p>
      ) : (
        <fieldset className="tiles" aria-label={`${productName} options`}>
          <legend>
            {variants.some((entry) => entry.attributes.size)
              ? "Choose a size"
              : variants.some((entry) => entry.colour)
                ? "Colour"
                : "Choose one"}
            {shared ? <span className="legend-shared"> · {shared}</span> : null}
          </legend>
          {variants.map((entry) => {
            const ref = refOf(entry);
            const soldOut = entry.available <= 0;
            return (
              <label
                key={ref}
                className={`tile${soldOut ? " tile-out" : ""}`}
                data-sku={entry.sku}
                data-variant-key={entry.variantKey}
              >
                <input
                  type="radio"
                  name="variant"
                  value={ref}
                  disabled={soldOut}
                  checked={selected === ref}
                  onChange={() => {
                    setSelected(ref);
                    setQuantity(1);
                  }}
                />
                <span className="tile-label">{entry.pick || "One size"}</span>
                <StockBadge available={entry.available} lowStockThreshold={entry.lowStockThreshold} />
              </label>
            );
          })}
        </fieldset>
      )}
      <div className="buy-row">
        <QuantityStepper value={Math.min(quantity, Math.max(max, 1))} max={max} onChange={setQuantity} />
        <button type="submit" className="primary" disabled={!variant || max < 1}>
          {variant && max > 0 ? "Add to cart" : "Sold out"}
        </button>
      </div>
      {variant?.purchaseLimit ? <p className="fine">Limit {variant.purchaseLimit} per customer.</p> : null}
      {full ? (
        <p className="notice notice-bad" role="alert">
          Your cart is full. Check out or remove something first.
        </p>
      ) : null}
    </form>
  );
}
