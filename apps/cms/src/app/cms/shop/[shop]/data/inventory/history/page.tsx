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
  hold_release:
    "An operator released a client's holds (top holders): the units went back to available; the quantity did not change.",
  oversold_at_payment: "Paid for after the units were gone: sold below zero, to be resolved with the buyer.",
};

interface Props {
  params: Promise<{ shop: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** One variant's stock ledger, newest first: every change of quantity, why, and by whom. */
export default async function HistoryPage({ params, searchParams }: Props) {
  const { shop } = await params;
  const shopId = decodeURIComponent(shop);
  const query = await searchParams;
  const sku = typeof query.sku === "string" ? query.sku : "";
  const variantKey = typeof query.variantKey === "string" ? query.variantKey : "";
  await requirePageOperator({ shop: shopId, role: "viewer", next: historyPath(shopId, sku, variantKey) });
  const before = typeof query.before === "string" && /^\d{1,18}$/.test(query.before) ? query.before : undefined;
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
  const { inventory } = getStores();
  const [item, entries] = await Promise.all([
    inventory.getItem(shopId, { sku, variantKey }),
    inventory.listLedger(shopId, { sku, variantKey, limit: PAGE_SIZE, ...(before ? { beforeId: before } : {}) }),
  ]);
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
      <div className="table-scroll">
        <table className="table ledger-table phone-cards">
          <thead>
            <tr>
              <th>Time</th>
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
                <td colSpan={7} className="empty">
                  No changes recorded{before ? " before this point" : ""}.
                </td>
              </tr>
            )}
            {entries.map((entry) => (
              <tr key={entry.id} data-ledger-id={entry.id} data-reason={entry.reason}>
                <td className="small" data-label="Time">
                  {formatTime(entry.createdAt)}
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
        {before && <Link href={historyPath(shopId, sku, variantKey)}>Newest</Link>}
        {entries.length === PAGE_SIZE && (
          <Link href={`${historyPath(shopId, sku, variantKey)}&before=${entries.at(-1)!.id}`}>Older entries →</Link>
        )}
      </div>
    </>
  );
}
