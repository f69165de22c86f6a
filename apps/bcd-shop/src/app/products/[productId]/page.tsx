import { notFound } from "next/navigation";
import { catalogueRank, formatPrice } from "@/catalogue/catalogue.ts";
import { getProduct } from "@/catalogue/list-products.ts";
import { AddToCart } from "@/components/add-to-cart.tsx";
import { ProductArt } from "@/components/product-art.tsx";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export default async function ProductPage({ params }: { params: Promise<{ productId: string }> }) {
  const { productId } = await params;
  // A malformed escape ("/products/%") names no product: a 404, not a URIError.
  let id: string;
  try {
    id = decodeURIComponent(productId);
  } catch {
    notFound();
  }
  const product = await getProduct(storefront.shopId, id);
  if (!product) notFound();
  const colour = product.variants.find((variant) => variant.colour)?.colour ?? null;
  return (
    <article className="product">
      <div className="product-art">
        <ProductArt art={product.art} colour={colour} />
        <span className="product-no mono">No. {String(catalogueRank(product.productId) + 1).padStart(2, "0")}</span>
      </div>
      <div className="product-info">
        <p className="eyebrow">
          <a href="/">Goods</a> / {product.name}
        </p>
        <h1>{product.name}</h1>
        <p className="mono product-price">{formatPrice(product.unitAmount)}</p>
        <p className="lede">{product.description}</p>
        <AddToCart productName={product.name} variants={product.variants} />
        <dl className="specs">
          {product.specs.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </div>
    </article>
  );
}
