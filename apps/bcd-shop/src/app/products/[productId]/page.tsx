import { getStorefrontProduct } from "@acme/platform-core";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatPrice } from "@/catalogue/catalogue.ts";
import { displayVariants } from "@/catalogue/variant-display.ts";
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
  const product = await getStorefrontProduct(storefront, id);
  if (!product) notFound();
  const { variants, shared } = displayVariants(product.variants);
  const colour = variants.find((variant) => variant.colour)?.colour ?? null;
  const skus = [...new Set(variants.map((variant) => variant.sku))];
  return (
    <article className="product">
      <div className="product-art">
        <ProductArt art={product.art} colour={colour} />
        <span className="product-no mono">{skus.join(" · ")}</span>
      </div>
      <div className="product-info">
        <p className="eyebrow">
          <Link href="/">Goods</Link> / {product.name}
        </p>
        <h1>{product.name}</h1>
        <p className="mono product-price">{formatPrice(product.unitAmount)}</p>
        <p className="lede">{product.description}</p>
        <AddToCart productName={product.name} variants={variants} shared={shared} />
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
