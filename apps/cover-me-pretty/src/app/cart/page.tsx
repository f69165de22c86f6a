import { cookies } from "next/headers";
import { CART_COOKIE, parseCartCookie } from "@/cart/cart-cookie.ts";
import { resolveCart } from "@/cart/resolve-cart.ts";
import { formatPrice } from "@/catalogue/catalogue.ts";
import { CartQuantity } from "@/components/cart-quantity.tsx";
import { CheckoutButton } from "@/components/checkout-button.tsx";
import { StockBadge } from "@/components/stock-badge.tsx";
import { getShopEnv } from "@/env.ts";

export const dynamic = "force-dynamic";

export default async function CartPage() {
  const jar = await cookies();
  const lines = await resolveCart(getShopEnv().SHOP_ID, parseCartCookie(jar.get(CART_COOKIE)?.value));
  if (lines.length === 0) {
    return (
      <>
        <h1>Your cart</h1>
        <p className="muted">Your cart is empty.</p>
        <a className="button" href="/">
          Keep shopping
        </a>
      </>
    );
  }
  const total = lines.reduce((sum, line) => sum + (line.unitAmount ?? 0) * line.quantity, 0);
  return (
    <>
      <h1>Your cart</h1>
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
          {lines.map((line) => (
            <tr key={`${line.sku}|${line.variantKey}`} data-sku={line.sku} data-variant-key={line.variantKey}>
              <td>
                <strong>{line.name}</strong>
                {line.variantLabel ? <div className="muted">{line.variantLabel}</div> : null}
              </td>
              <td>{line.unitAmount === null ? "—" : formatPrice(line.unitAmount)}</td>
              <td>
                <CartQuantity sku={line.sku} variantKey={line.variantKey} quantity={line.quantity} />
              </td>
              <td>
                <StockBadge available={line.available} lowStockThreshold={line.lowStockThreshold} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="summary">
        <span className="total">
          Total <strong>{formatPrice(total)}</strong>
        </span>
        <CheckoutButton lines={lines.map(({ sku, variantKey, quantity }) => ({ sku, variantKey, quantity }))} />
      </div>
    </>
  );
}
