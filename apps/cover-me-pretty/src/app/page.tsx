import { formatPrice } from "@/catalogue/catalogue.ts";
import { listStorefrontProducts } from "@acme/platform-core";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export default async function ProductListPage() {
  const products = await listStorefrontProducts(storefront);
  return (
    <>
      <h1>New season</h1>
      {products.length === 0 ? <p className="muted">Nothing in stock yet.</p> : null}
      <div className="grid">
        {products.map((product) => {
          const low = product.variants.filter((variant) => variant.available > 0).length;
          return (
            <a
              key={product.productId}
              className="card"
              href={`/products/${encodeURIComponent(product.productId)}`}
              data-product-id={product.productId}
            >
              <div className="picture" style={{ background: product.picture }} />
              <div className="body">
                <h2>{product.name}</h2>
                <span className="price">{formatPrice(product.unitAmount)}</span>
                <div>
                  {product.available === 0 ? (
                    <span className="badge out">Sold out</span>
                  ) : (
                    <span className="muted">
                      {product.variants.length > 1
                        ? `${low} of ${product.variants.length} variants available`
                        : "In stock"}
                    </span>
                  )}
                </div>
              </div>
            </a>
          );
        })}
      </div>
    </>
  );
}
