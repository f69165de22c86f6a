import { getStorefrontProduct } from "@acme/platform-core";
import { notFound } from "next/navigation";
import { formatPrice, SWATCHES } from "@/catalogue/catalogue.ts";
import { variantLabel } from "@/catalogue/variant-display.ts";
import { VariantPicker } from "@/components/variant-picker.tsx";
import { storefront } from "@/storefront.ts";

export const dynamic = "force-dynamic";

export default async function ProductPage({ params }: { params: Promise<{ productId: string }> }) {
  const { productId } = await params;
  // A malformed escape ("/products/%") names no product: 404, not a URIError's 500.
  let id: string;
  try {
    id = decodeURIComponent(productId);
  } catch {
    notFound();
  }
  const product = await getStorefrontProduct(storefront, id);
  if (!product) notFound();
  return (
    <div className="product">
      <div className="picture" style={{ background: product.picture }} />
      <div>
        <h1>{product.name}</h1>
        <p className="price">{formatPrice(product.unitAmount)}</p>
        <p className="muted">{product.description}</p>
        <VariantPicker
          productName={product.name}
          variants={product.variants.map((variant) => ({
            ...variant,
            label: variantLabel(variant.attributes) || "One size",
            swatch: SWATCHES[(variant.attributes.color ?? "").toLowerCase()] ?? null,
          }))}
        />
      </div>
    </div>
  );
}
