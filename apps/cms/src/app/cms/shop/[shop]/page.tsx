import { redirect } from "next/navigation";
import { requirePageOperator } from "@/lib/auth/guards";
import { shopPath } from "@/app/cms/_lib/format";

/** A shop's landing page is its stock grid. */
export default async function ShopPage({ params }: { params: Promise<{ shop: string }> }) {
  const shopId = decodeURIComponent((await params).shop);
  await requirePageOperator({ shop: shopId, role: "viewer", next: shopPath(shopId, "/data/inventory") });
  redirect(shopPath(shopId, "/data/inventory"));
}
