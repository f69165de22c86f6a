import Link from "next/link";
import type { StockEventDeliveryAttempt } from "@acme/platform-core";
import { formatTime } from "@/app/cms/_lib/format";

/** One attempt as the log renders it: the library's own, already JSON. */
export type DeliveryLogRow = StockEventDeliveryAttempt;

/** The delivery log, newest first, one page; "Older" pages on with `?before=`. */
export function DeliveryLog({
  webhookId,
  deliveries,
  nextBefore,
  paged,
}: {
  webhookId: string;
  deliveries: DeliveryLogRow[];
  nextBefore: string | null;
  paged: boolean;
}) {
  const base = `/cms/webhooks/${encodeURIComponent(webhookId)}`;
  return (
    <>
      {deliveries.length === 0 ? (
        <p className="empty">
          {paged
            ? "No delivery attempt before these."
            : "No delivery attempt yet: the first is made after the next stock change in one of its shops."}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table delivery-log phone-cards">
            <thead>
              <tr>
                <th>Time</th>
                <th>Shop</th>
                <th>Events</th>
                <th className="num">Count</th>
                <th className="num">Attempt</th>
                <th>Outcome</th>
                <th>HTTP status</th>
                <th>Error</th>
                <th className="num">Took</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((row) => (
                <tr key={row.id} data-delivery={row.deliveryId ?? row.id}>
                  <td className="product-cell">{formatTime(row.createdAt)}</td>
                  <td data-label="Shop">{row.shopId}</td>
                  <td data-label="Events">
                    {row.fromSeq === row.toSeq ? `#${row.fromSeq}` : `#${row.fromSeq} to #${row.toSeq}`}
                  </td>
                  <td className="num" data-label="Count">
                    {row.events}
                  </td>
                  <td className="num" data-label="Attempt">
                    {row.attempt}
                  </td>
                  <td data-label="Outcome">
                    <span className={`badge ${row.outcome === "sent" ? "badge-ok" : "badge-out"}`}>{row.outcome}</span>
                  </td>
                  <td data-label="HTTP status">{row.httpStatus ?? "no answer"}</td>
                  <td className="small" data-label="Error">
                    {row.error ?? "—"}
                  </td>
                  <td className="num" data-label="Took">
                    {row.durationMs} ms
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="button-row">
        {paged && (
          <Link className="button button-small" href={base}>
            Newest
          </Link>
        )}
        {nextBefore && (
          <Link className="button button-small" href={`${base}?before=${encodeURIComponent(nextBefore)}`}>
            Older
          </Link>
        )}
      </div>
    </>
  );
}
