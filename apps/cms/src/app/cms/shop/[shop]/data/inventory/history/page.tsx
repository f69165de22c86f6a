import Link from "next/link";
import { requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { variantTitles } from "@acme/platform-core/universal";
import type { LedgerReason } from "@acme/platform-core";
import { formatDelta, formatNumber, formatTime, historyPath, holdersPath, shopPath } from "@/app/cms/_lib/format";

export const dynamic = "force-dynamic";

const PAGE_SIZE = 100;

/** What a reason means where its name alone does not say it. */
const REASON_HELP: Partial<Record<LedgerReason, string>> = {
  transfer_out: "Sent to another location of the shop (a transfer).",
  transfer_in: "Received from another location of the shop (a transfer).",
  hold_release:
    "An operator released a client's holds (top holders): the units went back to available; the quantity did not change.",
  oversold_at_payment: "Paid for after the units were gone: sold below zero, to be resolved with the buyer.",
};

interface Props {
  params: Promise<{ shop: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/**
 * One variant's stock ledger, newest first: every change of quantity, where, why, and by whom; `?location=` shows
 * one location's. A shop with several locations also sees the variant's stock at each.
 */
export default async function HistoryPage({ params, searchParams }: Props) {
  const { shop } = await params;
  const shopId = decodeURIComponent(shop);
  const query = await searchParams;
  const sku = typeof query.sku === "string" ? query.sku : "";
  const variantKey = typeof query.variantKey === "string" ? query.variantKey : "";
  await requirePageOperator({ shop: shopId, role: "viewer", next: historyPath(shopId, sku, variantKey) });
  const before = typeof query.before === "string" && /^\d{1,18}$/.test(query.before) ? query.before : undefined;
  const asked = typeof query.location === "string" && query.location !== "" ? query.location : undefined;
  const back = <Link href={shopPath(shopId, "/data/inventory")}>← Stock</Link>;
  if (!sku) {
    return (
      <>
        <p>{back}</p>
        <p className="error-box">
          Choose a variant from the stock grid to see its history (the link needs sku and variantKey).
        </p>
      </>
    );
  }
  const { inventory, locations: locationStore } = getStores();
  const locations = await locationStore.listLocations(shopId);
  const location = locations.find((l) => l.code === asked)?.code;
  const [item, entries, levels] = await Promise.all([
    inventory.getItem(shopId, { sku, variantKey }),
    inventory.listLedger(shopId, {
      sku,
      variantKey,
      limit: PAGE_SIZE,
      ...(before ? { beforeId: before } : {}),
      ...(location ? { location } : {}),
    }),
    locationStore.listLevels(shopId, { refs: [{ sku, variantKey }] }),
  ]);
  const multi = locations.length > 1 || locations.some((l) => !l.online);
  const names = new Map(locations.map((l) => [l.code, l.name]));
  // Paging keeps the location filter.
  const here = `${historyPath(shopId, sku, variantKey)}${location ? `&location=${encodeURIComponent(location)}` : ""}`;
  const titles = item ? variantTitles(item) : undefined;
  return (
    <>
      <p>{back}</p>
      <div className="page-head">
        <h1>
          History · {titles ? titles.product : <span className="mono">{sku}</span>}
          {titles?.variant ? <span className="variant-title"> · {titles.variant}</span> : null}
        </h1>
        {titles && <span className="mono muted">{sku}</span>}
      </div>
      {item ? (
        <dl className="stats card" data-sku={item.sku} data-variant-key={item.variantKey}>
          <div>
            <dt>Quantity</dt>
            <dd>{formatNumber(item.quantity)}</dd>
          </div>
          <div>
            <dt>Reserved</dt>
            <dd>
              {formatNumber(item.reserved)}{" "}
              <Link className="small" href={holdersPath(shopId, item.sku, item.variantKey)}>
                Who holds it
              </Link>
            </dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd>{formatNumber(item.available)}</dd>
          </div>
          <div>
            <dt>Low-stock threshold</dt>
            <dd>{formatNumber(item.lowStockThreshold)}</dd>
          </div>
          <div>
            <dt>Limit per buyer</dt>
            <dd>{formatNumber(item.purchaseLimit)}</dd>
          </div>
          <div>
            <dt>Product id</dt>
            <dd className="mono">{item.productId}</dd>
          </div>
        </dl>
      ) : (
        <p className="notice">This variant does not exist (any more) in {shopId}.</p>
      )}
      {item && multi && (
        <section className="card" aria-labelledby="levels-heading">
          <h2 id="levels-heading">By location</h2>
          <p className="muted small">The figures above are the shop total: the active locations that sell online.</p>
          <div className="table-scroll">
            <table className="table compact levels-table phone-cards">
              <thead>
                <tr>
                  <th>Location</th>
                  <th className="num">Quantity</th>
                  <th className="num">Reserved</th>
                  <th className="num">Available</th>
                  <th className="num">Incoming</th>
                  <th>In the shop total</th>
                </tr>
              </thead>
              <tbody>
                {locations.map((l) => {
                  const level = levels.find((row) => row.location === l.code);
                  return (
                    <tr key={l.code} data-location={l.code}>
                      <td className="product-cell">
                        {l.name} <span className="mono muted">{l.code}</span>
                      </td>
                      <td className="num" data-label="Quantity">
                        {formatNumber(level?.quantity ?? 0)}
                      </td>
                      <td className="num" data-label="Reserved">
                        {formatNumber(level?.reserved ?? 0)}
                      </td>
                      <td className="num" data-label="Available">
                        {formatNumber(level?.available ?? 0)}
                      </td>
                      <td className="num" data-label="Incoming">
                        {formatNumber(level?.incoming ?? 0)}
                      </td>
                      <td data-label="In the shop total">{l.online ? "Yes" : "No (not sold online)"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {multi && (
        <form className="toolbar" method="get" aria-label="Filter the history">
          <input type="hidden" name="sku" value={sku} />
          <input type="hidden" name="variantKey" value={variantKey} />
          <label className="location-picker">
            <span>Location</span>
            <select name="location" aria-label="Location" defaultValue={location ?? ""}>
              <option value="">All locations</option>
              {locations.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name} ({l.code})
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button button-small">
            Show
          </button>
          {asked !== undefined && !location && (
            <span className="notice small">This shop has no location coded {asked}; showing all.</span>
          )}
        </form>
      )}
      <div className="table-scroll">
        <table className="table ledger-table phone-cards">
          <thead>
            <tr>
              <th>Time</th>
              <th>Location</th>
              <th className="num">Change</th>
              <th className="num">Quantity after</th>
              <th>Reason</th>
              <th>Note</th>
              <th>Hold</th>
              <th>Actor</th>
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 && (
              <tr>
                <td colSpan={8} className="empty">
                  No changes recorded{location ? ` at ${location}` : ""}
                  {before ? " before this point" : ""}.
                </td>
              </tr>
            )}
            {entries.map((entry) => (
              <tr key={entry.id} data-ledger-id={entry.id} data-reason={entry.reason} data-location={entry.location}>
                <td className="small" data-label="Time">
                  {formatTime(entry.createdAt)}
                </td>
                <td className="mono small" data-label="Location" title={names.get(entry.location)}>
                  {entry.location}
                </td>
                <td
                  className={entry.delta < 0 ? "num negative" : entry.delta > 0 ? "num positive" : "num"}
                  data-label="Change"
                >
                  {formatDelta(entry.delta)}
                </td>
                <td className="num" data-label="Quantity after">
                  {formatNumber(entry.quantityAfter)}
                </td>
                <td data-label="Reason">
                  <span className={`reason reason-${entry.reason}`} title={REASON_HELP[entry.reason]}>
                    {entry.reason.replaceAll("_", " ")}
                  </span>
                </td>
                <td data-label="Note">{entry.note ?? ""}</td>
                <td className="mono small hold-id" data-label="Hold" title={entry.holdId ?? undefined}>
                  {entry.holdId ?? ""}
                </td>
                <td data-label="Actor">{entry.actor}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        {before && <Link href={here}>Newest</Link>}
        {entries.length === PAGE_SIZE && <Link href={`${here}&before=${entries.at(-1)!.id}`}>Older entries →</Link>}
      </div>
    </>
  );
}
