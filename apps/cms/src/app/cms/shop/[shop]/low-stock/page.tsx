import Link from "next/link";
import type { StockLocationView } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { loadLowStock, LOW_STOCK_LIST_LIMIT, type LowStockRow } from "@/app/cms/_lib/low-stock";
import { withLevels } from "@/app/cms/_lib/grid-levels";
import type { GridLevel } from "@/components/grid-types";
import { formatNumber, formatTime, historyPath, shopPath } from "@/app/cms/_lib/format";
import { DEFAULT_LOCATION, refId } from "@acme/platform-core/universal";
import { ItemName } from "@/components/item-name";

export const dynamic = "force-dynamic";

/**
 * Variants to restock. For the shop total: quantity, reserved and available over the online locations, and (in a shop
 * with several) each location's free units. For one location: its figures, and the shop total beside them.
 */
function ItemTable({
  shopId,
  items,
  empty,
  location,
  locations,
}: {
  shopId: string;
  items: LowStockRow[];
  empty: string;
  /** The location shown; undefined for the shop total. */
  location: string | undefined;
  /** The shop's locations when it has several (a breakdown column), else empty. */
  locations: StockLocationView[];
}) {
  const at = location ? ` at ${location}` : "";
  const columns = 7 + (location ? 1 : 0) + (!location && locations.length > 0 ? 1 : 0);
  return (
    <div className="table-scroll">
      <table className="table phone-cards">
        <thead>
          <tr>
            <th>Variant</th>
            <th className="num">Quantity{at}</th>
            <th className="num">Reserved{at}</th>
            <th className="num">Available{at}</th>
            <th className="num">Low-stock threshold</th>
            {location && <th className="num">Shop total available</th>}
            {!location && locations.length > 0 && <th>Free by location</th>}
            <th>Updated</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={columns} className="empty">
                {empty}
              </td>
            </tr>
          )}
          {items.map((item) => {
            const shown = item.here ?? item;
            return (
              <tr key={refId(item)} data-sku={item.sku} data-variant-key={item.variantKey}>
                <td className="product-cell">
                  <ItemName item={item} sku={item.sku} />
                </td>
                <td className="num" data-label={`Quantity${at}`}>
                  {formatNumber(shown.quantity)}
                </td>
                <td className="num" data-label={`Reserved${at}`}>
                  {formatNumber(shown.reserved)}
                </td>
                <td className="num" data-label={`Available${at}`}>
                  <span className={shown.available <= 0 ? "badge badge-out" : "badge badge-low"}>
                    {formatNumber(shown.available)}
                  </span>
                </td>
                <td className="num" data-label="Low-stock threshold">
                  {formatNumber(item.lowStockThreshold)}
                </td>
                {location && (
                  <td className="num" data-label="Shop total available">
                    {formatNumber(item.available)}
                  </td>
                )}
                {!location && locations.length > 0 && (
                  <td className="small" data-label="Free by location">
                    <FreeByLocation levels={item.levels} locations={locations} threshold={item.lowStockThreshold} />
                  </td>
                )}
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
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Each location's free units of a variant ("main 1 · north 0"), those at or below the threshold marked low. */
function FreeByLocation({
  levels,
  locations,
  threshold,
}: {
  levels: GridLevel[];
  locations: StockLocationView[];
  threshold: number | null;
}) {
  // The default location is where a variant is until stock moves: nothing written there yet is 0 there.
  const kept = locations.flatMap((l) => {
    const level =
      levels.find((row) => row.location === l.code) ??
      (l.code === DEFAULT_LOCATION
        ? { location: l.code, quantity: 0, reserved: 0, available: 0, incoming: 0 }
        : undefined);
    return level ? [{ location: l, level }] : [];
  });
  if (kept.length === 0) return <>—</>;
  return (
    <span className="free-by-location">
      {kept.map(({ location, level }, index) => {
        const low = threshold !== null && level.available <= threshold;
        return (
          <span key={location.code} data-location={location.code} title={location.name}>
            {index > 0 ? " · " : ""}
            {location.code} {formatNumber(level.available)}
            {low ? <strong className="low-mark"> low</strong> : null}
            {location.online ? "" : " (not online)"}
          </span>
        );
      })}
    </span>
  );
}

interface Props {
  params: Promise<{ shop: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** What needs restocking: low, out of stock, and what raised alerts recently; for the shop or at one location. */
export default async function LowStockPage({ params, searchParams }: Props) {
  const { shop } = await params;
  const shopId = decodeURIComponent(shop);
  await requirePageOperator({ shop: shopId, role: "viewer", next: shopPath(shopId, "/low-stock") });
  const requested = (await searchParams).location;
  const asked = typeof requested === "string" && requested !== "" ? requested : undefined;
  const locations = await getStores().locations.listLocations(shopId);
  const multi = locations.length > 1 || locations.some((l) => !l.online);
  const location = locations.find((l) => l.code === asked)?.code;
  const report = await loadLowStock(shopId, location);
  const shown = location ? locations.find((l) => l.code === location)! : undefined;
  const breakdown = multi && !location ? locations : [];
  // Where each alerted variant is low now.
  const alertLevels = new Map(
    multi
      ? (
          await withLevels(
            shopId,
            report.alerts.flatMap((alert) => (alert.item ? [alert.item] : [])),
          )
        ).map((item) => [refId(item), item.levels])
      : [],
  );
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
      {multi && (
        <form className="toolbar" method="get" aria-label="Low stock where">
          <label className="location-picker">
            <span>Show</span>
            <select name="location" aria-label="Location" defaultValue={location ?? ""}>
              <option value="">Shop total (what buyers can buy)</option>
              {locations.map((l) => (
                <option key={l.code} value={l.code}>
                  At {l.name} ({l.code})
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button button-small">
            Show
          </button>
          {asked !== undefined && !location && (
            <span className="notice small">This shop has no location coded {asked}; showing the shop total.</span>
          )}
        </form>
      )}
      {shown && (
        <p className="muted" data-testid="low-stock-location">
          At {shown.name} ({shown.code}): the variants kept there whose units free there are at or below their low-stock
          threshold (a variant without a threshold is not watched).
          {shown.online ? "" : " Buyers cannot buy from this location."}
        </p>
      )}
      <section className="card" aria-labelledby="out-heading">
        <h2 id="out-heading">
          Out of stock <span className="count">{formatNumber(report.outTotal)}</span>
        </h2>
        <p className="muted">
          Nothing available{location ? ` at ${location}` : ""}: every unit on hand is sold or held by a checkout.
        </p>
        <ItemTable
          shopId={shopId}
          items={report.out}
          empty={location ? `Nothing is out of stock at ${location}.` : "Nothing is out of stock."}
          location={location}
          locations={breakdown}
        />
        {cut(report.outTotal)}
      </section>
      <section className="card" aria-labelledby="low-heading">
        <h2 id="low-heading">
          At or below threshold <span className="count">{formatNumber(report.lowTotal)}</span>
        </h2>
        <ItemTable
          shopId={shopId}
          items={report.low}
          empty={
            location
              ? `No variant is at or below its threshold at ${location}.`
              : "No variant is at or below its threshold."
          }
          location={location}
          locations={breakdown}
        />
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
                {multi && <th>Free now by location</th>}
              </tr>
            </thead>
            <tbody>
              {report.alerts.length === 0 && (
                <tr>
                  <td colSpan={multi ? 5 : 4} className="empty">
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
                  {multi && (
                    <td className="small" data-label="Free now by location">
                      <FreeByLocation
                        levels={alertLevels.get(refId(alert)) ?? []}
                        locations={locations}
                        threshold={alert.item?.lowStockThreshold ?? null}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
