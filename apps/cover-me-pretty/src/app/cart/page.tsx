import { resolveCart } from "@acme/platform-core";
import { cartFixes, cartLineStates, sellableTotal } from "@acme/platform-core/universal";
import Link from "next/link";
import { readCart } from "@/cart/read-cart.ts";
import { formatPrice } from "@/catalogue/catalogue.ts";
import { CartQuantity } from "@/components/cart-quantity.tsx";
import { CheckoutButton } from "@/components/checkout-button.tsx";
import { FixCart } from "@/components/fix-cart.tsx";
import { StockBadge } from "@/components/stock-badge.tsx";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export default async function CartPage() {
  const lines = await resolveCart(storefront, await readCart());
  if (lines.length === 0) {
    return (
      <>
        <h1>Your cart</h1>
        <p className="muted">Your cart is empty.</p>
        <Link className="button" href="/">
          Keep shopping
        </Link>
      </>
    );
  }
  const entries = cartLineStates(lines);
  const fixes = cartFixes(entries);
  const total = sellableTotal(entries);
  return (
    <>
      <h1>Your cart</h1>
      {fixes.length > 0 ? (
        <div className="alert warn cart-problems" role="alert">
          <strong>Some items can’t be bought as they are.</strong>
          <ul>
            {entries.map(({ line, state }) => {
              if (state.status === "ok") return null;
              const name = line.variantLabel ? `${line.name} (${line.variantLabel})` : line.name;
              return (
                <li key={`${line.sku}|${line.variantKey}`}>
                  {state.status === "sold_out"
                    ? `${name} is sold out.`
                    : `${name}: only ${state.sellable} left (you have ${line.quantity}).`}
                </li>
              );
            })}
          </ul>
          <p>The total counts only what is in stock. Update your cart to check out.</p>
          <FixCart fixes={fixes} label="Update cart to what’s in stock" />
        </div>
      ) : null}
      <table className="cart">
        <thead>
          <tr>
            <th>Item</th>
            <th>Price</th>
            <th>Quantity</th>
            <th>Stock</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(({ line, state }) => {
            return (
              <tr
                key={`${line.sku}|${line.variantKey}`}
                className={state.status === "ok" ? undefined : `problem ${state.status}`}
                data-sku={line.sku}
                data-variant-key={line.variantKey}
                data-status={state.status}
              >
                <td data-label="Item">
                  <strong>{line.name}</strong>
                  {line.variantLabel ? <div className="muted">{line.variantLabel}</div> : null}
                </td>
                <td data-label="Price">{line.unitAmount === null ? "—" : formatPrice(line.unitAmount)}</td>
                <td data-label="Quantity">
                  <CartQuantity
                    key={line.quantity}
                    sku={line.sku}
                    variantKey={line.variantKey}
                    quantity={line.quantity}
                  />
                </td>
                <td data-label="Stock">
                  <StockBadge
                    available={line.unitAmount === null ? 0 : line.available}
                    lowStockThreshold={line.lowStockThreshold}
                  />
                  {state.status === "sold_out" ? (
                    <div className="line-fix">
                      <span className="muted">Not counted in the total.</span>
                    </div>
                  ) : null}
                  {state.status === "short" ? (
                    <div className="line-fix">
                      <span className="muted">{state.sellable} counted in the total.</span>
                      <FixCart
                        fixes={[{ sku: line.sku, variantKey: line.variantKey, quantity: state.sellable }]}
                        label={`Change to ${state.sellable}`}
                        secondary
                      />
                    </div>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="summary">
        <span className="total">
          Total <strong data-total>{formatPrice(total)}</strong>
        </span>
        <CheckoutButton
          lines={lines.map(({ sku, variantKey, quantity }) => ({ sku, variantKey, quantity }))}
          blockedReason={fixes.length > 0 ? "Update your cart to what’s in stock first." : undefined}
        />
      </div>
    </>
  );
}
