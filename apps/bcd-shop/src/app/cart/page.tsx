import { resolveCart } from "@acme/platform-core";
import { cartFixes, cartLineStates, sellableTotal } from "@acme/platform-core/universal";
import Link from "next/link";
import { readCart } from "@/cart/read-cart.ts";
import { catalogue, formatPrice } from "@/catalogue/catalogue.ts";
import { CartLineControls } from "@/components/cart-line-controls.tsx";
import { CheckoutButton } from "@/components/checkout-button.tsx";
import { FitCartButton } from "@/components/fit-cart-button.tsx";
import { ProductArt } from "@/components/product-art.tsx";
import { StockBadge } from "@/components/stock-badge.tsx";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export const metadata = { title: "Cart · BCD Field Supply" };

export default async function CartPage() {
  const lines = cartLineStates(await resolveCart(storefront, await readCart()));
  if (lines.length === 0) {
    return (
      <section className="page-head">
        <p className="eyebrow">Cart</p>
        <h1>Your cart is empty.</h1>
        <p className="lede">Nothing set aside yet. Everything on the shelf is counted live.</p>
        <Link className="button primary" href="/">
          See the goods
        </Link>
      </section>
    );
  }
  const fixes = cartFixes(lines);
  const total = sellableTotal(lines);
  const units = lines.reduce((sum, { state }) => sum + state.sellable, 0);
  return (
    <>
      <section className="page-head">
        <p className="eyebrow">Cart</p>
        <h1>Your cart</h1>
      </section>
      <div className="cart-layout">
        <div>
          {fixes.length > 0 ? (
            <div className="notice notice-warn cart-problems" role="alert">
              <strong>Some items can’t be bought as they are.</strong>
              <ul>
                {lines.map(({ line, state: { status, sellable } }) => {
                  if (status === "ok") return null;
                  const name = line.variantLabel ? `${line.name} (${line.variantLabel})` : line.name;
                  const problem =
                    line.unitAmount === null
                      ? `${name} isn’t sold here.`
                      : status === "sold_out"
                        ? `${name} is sold out.`
                        : `${name}: only ${sellable} left (you have ${line.quantity}).`;
                  return <li key={`${line.sku}|${line.variantKey}`}>{problem}</li>;
                })}
              </ul>
              <FitCartButton fixes={fixes} label="Update cart to what’s in stock" />
            </div>
          ) : null}
          <ul className="lines">
            {lines.map(({ line, state: { status, sellable } }) => {
              const product = line.productId ? catalogue.product(line.productId) : undefined;
              const colour = /(?:^|\|)color=([^|]*)/.exec(line.variantKey)?.[1] ?? null;
              return (
                <li
                  key={`${line.sku}|${line.variantKey}`}
                  className={`line line-${status}`}
                  data-sku={line.sku}
                  data-variant-key={line.variantKey}
                  data-status={status}
                >
                  {product ? (
                    <ProductArt art={product.art} colour={colour} size="thumb" />
                  ) : (
                    <div className="art art-thumb art-none" aria-hidden="true" />
                  )}
                  <div className="line-body">
                    <div className="line-head">
                      <div>
                        {line.productId && product ? (
                          <a className="line-name" href={`/products/${encodeURIComponent(line.productId)}`}>
                            {line.name}
                          </a>
                        ) : (
                          <span className="line-name">{line.name}</span>
                        )}
                        {line.variantLabel ? <div className="fine">{line.variantLabel}</div> : null}
                      </div>
                      <span className="mono line-total">
                        {line.unitAmount === null ? "—" : formatPrice(line.unitAmount * sellable)}
                      </span>
                    </div>
                    <div className="line-foot">
                      <CartLineControls
                        key={line.quantity}
                        sku={line.sku}
                        variantKey={line.variantKey}
                        quantity={line.quantity}
                        max={line.available}
                      />
                      <span className="line-stock">
                        {status === "short" ? (
                          <span className="stock stock-low">Only {line.available} left</span>
                        ) : (
                          <StockBadge
                            available={line.unitAmount === null ? 0 : line.available}
                            lowStockThreshold={line.lowStockThreshold}
                          />
                        )}
                        {line.unitAmount !== null ? (
                          <span className="fine mono">{formatPrice(line.unitAmount)} each</span>
                        ) : null}
                      </span>
                    </div>
                    {status === "sold_out" ? <p className="fine">Not counted in the total.</p> : null}
                    {status === "short" ? <p className="fine">{sellable} counted in the total.</p> : null}
                  </div>
                </li>
              );
            })}
          </ul>
        </div>
        <aside className="summary" aria-label="Order summary">
          <h2>Summary</h2>
          <dl>
            <div>
              <dt>Items</dt>
              <dd className="mono">{units}</dd>
            </div>
            <div className="summary-total">
              <dt>Total</dt>
              <dd className="mono" data-total>
                {formatPrice(total)}
              </dd>
            </div>
          </dl>
          <CheckoutButton
            lines={lines.map(({ line: { sku, variantKey, quantity } }) => ({ sku, variantKey, quantity }))}
            blockedReason={fixes.length > 0 ? "Update your cart to what’s in stock first." : undefined}
          />
          <p className="fine">Items are set aside for you while you pay.</p>
        </aside>
      </div>
    </>
  );
}
