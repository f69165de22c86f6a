import { listStorefrontProducts } from "@acme/platform-core";
import { formatPrice } from "@/catalogue/catalogue.ts";
import { displayVariants } from "@/catalogue/variant-display.ts";
import { ProductArt } from "@/components/product-art.tsx";
import { StockBadge } from "@/components/stock-badge.tsx";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export default async function IndexPage() {
  const products = (await listStorefrontProducts(storefront)).map((product) => ({
    ...product,
    variants: displayVariants(product.variants).variants,
  }));
  return (
    <>
      <section className="hero">
        <p className="eyebrow">Issue 04 · Autumn kit</p>
        <h1>Gear that earns its place in the pack.</h1>
        <p className="lede">
          A few things, made well, in small runs. What you see here is what is on the shelf, counted as you look.
        </p>
      </section>
      {products.length === 0 ? <p className="lede">Nothing on the shelf yet.</p> : null}
      <ol className="index">
        {products.map((product, n) => {
          const colour =
            product.variants.find((variant) => variant.available > 0)?.colour ?? product.variants[0]?.colour ?? null;
          // One variant: its own badge. Several: sold out only when all are, and which are left.
          const only = product.variants.length === 1 ? product.variants[0] : undefined;
          const left = product.variants.filter((variant) => variant.available > 0);
          return (
            <li key={product.productId}>
              <a
                className={`entry${product.available === 0 ? " entry-out" : ""}`}
                href={`/products/${encodeURIComponent(product.productId)}`}
                data-product-id={product.productId}
              >
                <span className="entry-no mono">{String(n + 1).padStart(2, "0")}</span>
                <ProductArt art={product.art} colour={colour} size="thumb" />
                <span className="entry-text">
                  <span className="entry-name">{product.name}</span>
                  <span className="entry-tagline">{product.tagline}</span>
                </span>
                <span className="entry-meta">
                  <span className="mono entry-price">{formatPrice(product.unitAmount)}</span>
                  {only ? (
                    <StockBadge available={only.available} lowStockThreshold={only.lowStockThreshold} />
                  ) : (
                    <>
                      <StockBadge available={product.available} lowStockThreshold={null} />
                      {left.length > 0 ? (
                        <span className="fine">{left.map((variant) => variant.pick).join(" · ")}</span>
                      ) : null}
                    </>
                  )}
                </span>
              </a>
            </li>
          );
        })}
      </ol>
    </>
  );
}
