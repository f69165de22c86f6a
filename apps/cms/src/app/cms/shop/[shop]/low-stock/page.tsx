import Link from "next/link";
import type { InventoryItem } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { loadLowStock, LOW_STOCK_LIST_LIMIT } from "@/app/cms/_lib/low-stock";
import { formatNumber, formatTime, historyPath, shopPath } from "@/app/cms/_lib/format";
import { refId } from "@acme/platform-core/universal";
import { ItemName } from "@/components/item-name";

export const dynamic = "force-dynamic";

function ItemTable({ shopId, items, empty }: { shopId: string; items: InventoryItem[]; empty: string }) {
  return (
    <div className="table-scroll">
      <table className="table phone-cards">
        <thead>
          <tr>
            <th>Variant</th>
            <th className="num">Quantity</th>
            <th className="num">Reserved</th>
            <th className="num">Available</th>
            <th className="num">Low-stock threshold</th>
            <th>Updated</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={7} className="empty">
                {empty}
              </td>
            </tr>
          )}
          {items.map((item) => (
            <tr key={refId(item)} data-sku={item.sku} data-variant-key={item.variantKey}>
              <td className="product-cell">
                <ItemName item={item} sku={item.sku} />
              </td>
              <td className="num" data-label="Quantity">
                {formatNumber(item.quantity)}
              </td>
              <td className="num" data-label="Reserved">
                {formatNumber(item.reserved)}
              </td>
              <td className="num" data-label="Available">
                <span className={item.available <= 0 ? "badge badge-out" : "badge badge-low"}>
                  {formatNumber(item.available)}
                </span>
              </td>
              <td className="num" data-label="Low-stock threshold">
                {formatNumber(item.lowStockThreshold)}
              </td>
              <td className="small muted" data-label="Updated">
                {formatTime(item.updatedAt)}
              </td>
              <td className="actions">
                <Link
                  className="button button-small button-quiet"
                  href={historyPath(shopId, item.sku, item.variantKey)}
                >
                  History
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What needs restocking: low, out of stock, and what raised alerts recently. */
export default async function LowStockPage({ params }: { params: Promise<{ shop: string }> }) {
  const { shop } = await params;
  const shopId = decodeURIComponent(shop);
  await requirePageOperator({ shop: shopId, role: "viewer", next: shopPath(shopId, "/low-stock") });
  const report = await loadLowStock(shopId);
  const cut = (total: number) =>
    total > LOW_STOCK_LIST_LIMIT ? (
      <p className="muted">
        Showing {formatNumber(LOW_STOCK_LIST_LIMIT)} of {formatNumber(total)}; the{" "}
        <Link href={shopPath(shopId, "/data/inventory?filter=attention")}>stock grid</Link> pages through all.
      </p>
    ) : null;
  return (
    <>
      <div className="page-head">
        <h1>Low stock · {shopId}</h1>
      </div>
      <section className="card" aria-labelledby="out-heading">
        <h2 id="out-heading">
          Out of stock <span className="count">{formatNumber(report.outTotal)}</span>
        </h2>
        <p className="muted">Nothing available: every unit on hand is sold or held by a checkout.</p>
        <ItemTable shopId={shopId} items={report.out} empty="Nothing is out of stock." />
        {cut(report.outTotal)}
      </section>
      <section className="card" aria-labelledby="low-heading">
        <h2 id="low-heading">
          At or below threshold <span className="count">{formatNumber(report.lowTotal)}</span>
        </h2>
        <ItemTable shopId={shopId} items={report.low} empty="No variant is at or below its threshold." />
        {cut(report.lowTotal)}
      </section>
      <section className="card" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">Alerted in the last 7 days</h2>
        <div className="table-scroll">
          <table className="table phone-cards">
            <thead>
              <tr>
                <th>Alerted</th>
                <th>Variant</th>
                <th className="num">Available then</th>
                <th className="num">Available now</th>
              </tr>
            </thead>
            <tbody>
              {report.alerts.length === 0 && (
                <tr>
                  <td colSpan={4} className="empty">
                    No alerts in the last 7 days.
                  </td>
                </tr>
              )}
              {report.alerts.map((alert) => (
                <tr key={refId(alert)} data-sku={alert.sku} data-variant-key={alert.variantKey}>
                  <td className="small" data-label="Alerted">
                    {formatTime(alert.lastAlertedAt)}
                  </td>
                  <td data-label="Variant">
                    {alert.item ? (
                      <ItemName item={alert.item} sku={alert.sku} />
                    ) : (
                      <span className="mono">
                        {alert.sku} {alert.variantKey}
                      </span>
                    )}
                  </td>
                  <td className="num" data-label="Available then">
                    {formatNumber(alert.lastAvailable)}
                  </td>
                  <td className="num" data-label="Available now">
                    {alert.item ? formatNumber(alert.item.available) : "deleted"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
