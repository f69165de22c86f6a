import Link from "next/link";
import { listInventoryPage } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { formatNumber, shopPath } from "./_lib/format";

export const dynamic = "force-dynamic";

export default async function CmsHome() {
  const operator = await requirePageOperator({ next: "/cms" });
  const { inventory } = getStores();
  const summaries = await Promise.all(
    operator.shops.map(async (shopId) => ({
      shopId,
      counts: (await listInventoryPage({ shopId, store: inventory, query: { limit: 1 } })).counts,
    })),
  );
  return (
    <>
      <h1>Your shops</h1>
      {summaries.length === 0 ? (
        <p className="empty">No shop is granted to you yet. Ask an administrator.</p>
      ) : (
        <ul className="shop-cards">
          {summaries.map(({ shopId, counts }) => (
            <li key={shopId} className="card shop-card" data-shop={shopId}>
              <h2>
                <Link href={shopPath(shopId, "/data/inventory")}>{shopId}</Link>
              </h2>
              <dl className="stats">
                <div>
                  <dt>Variants</dt>
                  <dd>{formatNumber(counts.all)}</dd>
                </div>
                <div className={counts.low > 0 ? "warn" : undefined}>
                  <dt>Low</dt>
                  <dd>{formatNumber(counts.low)}</dd>
                </div>
                <div className={counts.out > 0 ? "danger" : undefined}>
                  <dt>Out of stock</dt>
                  <dd>{formatNumber(counts.out)}</dd>
                </div>
              </dl>
              <p className="card-links">
                <Link href={shopPath(shopId, "/data/inventory")}>Stock</Link>
                <Link href={shopPath(shopId, "/data/import-export")}>Import / export</Link>
                <Link href={shopPath(shopId, "/low-stock")}>Low stock</Link>
                <Link href={shopPath(shopId, "/holds")}>Holds</Link>
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
